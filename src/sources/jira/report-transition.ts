import { z } from "zod";
import { OutboundError } from "../../outbound/outbound-errors.ts";
import type { ReportCall, ReportOutcome } from "../../outbox/reporter.ts";
import type { JiraApi } from "./jira-api.ts";

const issueStatus = z.object({
  fields: z.object({ status: z.object({ name: z.string() }) }),
});
const transitionList = z.object({
  transitions: z.array(
    z.object({
      id: z.union([z.string(), z.number()]).transform(String),
      name: z.string(),
      to: z.object({ name: z.string() }).optional(),
    }),
  ),
});

/**
 * Moves the ticket to the status the settings name for the event. The
 * name may be a transition's or its target status's. A ticket already
 * there is left alone, which makes a retried transition a no-op.
 *
 * TODO: a retry after a lost answer is a no-op only when the setting
 * names the status; naming the transition, the retry finds the ticket
 * moved and that transition no longer offered, and fails. Looking the
 * transition's target status up in the issue's workflow would mend it.
 */
export async function reportTransition(
  api: JiraApi,
  call: ReportCall,
): Promise<ReportOutcome> {
  const event = call.report.event;
  const wanted = call.sync.transitions[event];
  if (wanted === undefined) {
    return { details: { skipped: `no transition is set for ${event}` } };
  }

  const issue = await api.send({
    method: "GET",
    path: api.issuePath(),
    query: { fields: "status" },
    needs: "Browse projects",
  });
  const current = issue.read(issueStatus).fields.status.name;
  if (same(current, wanted)) {
    return { details: { status: current, moved: false } };
  }

  const offered = await api.send({
    method: "GET",
    path: api.issuePath("/transitions"),
    needs: "Transition issues",
  });
  const { transitions } = offered.read(transitionList);
  const chosen = transitions.find(
    (transition) =>
      same(transition.name, wanted) || same(transition.to?.name, wanted),
  );
  if (!chosen) {
    const names = transitions.map(
      (transition) =>
        `"${transition.name}"` +
        (transition.to ? ` (to "${transition.to.name}")` : ""),
    );
    throw new OutboundError(
      `${api.label} offers no transition named or leading to "${wanted}" ` +
        `from "${current}" on ${api.issueKey}; it offers ` +
        `${names.join(", ") || "none"}; set sync.transitions.${event} ` +
        "to one of these on the trigger",
      false,
    );
  }

  await api.send({
    method: "POST",
    path: api.issuePath("/transitions"),
    json: { transition: { id: chosen.id } },
    needs: "Transition issues",
  });
  return {
    details: { from: current, transition: chosen.name, moved: true },
  };
}

function same(a: string | undefined, b: string): boolean {
  return a !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();
}
