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
 * A transition whose answer is lost (a time-out, a reset, a 5xx) may
 * have happened; named by its transition, a retry would find the
 * ticket moved and that transition no longer offered, and fail. So the
 * same attempt reads the ticket's status at once: at the transition's
 * target, the move is done.
 *
 * TODO: when that read fails too, the retry cannot tell a transition
 * named in the settings from one not offered; reading the issue's
 * changelog for a status change by Flowgate's user would mend it.
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

  const moved = {
    details: { from: current, transition: chosen.name, moved: true },
  };
  try {
    await api.send({
      method: "POST",
      path: api.issuePath("/transitions"),
      json: { transition: { id: chosen.id } },
      needs: "Transition issues",
    });
  } catch (error) {
    if (!(error instanceof OutboundError) || !error.transient) throw error;
    const target = chosen.to?.name;
    if (target === undefined || !(await reached(api, target))) throw error;
    return { details: { ...moved.details, answer_lost: true } };
  }
  return moved;
}

/** Whether the ticket is now in `status`; false when that cannot be
 * read (the caller's own error then stands). */
async function reached(api: JiraApi, status: string): Promise<boolean> {
  try {
    const issue = await api.send({
      method: "GET",
      path: api.issuePath(),
      query: { fields: "status" },
      needs: "Browse projects",
    });
    return same(issue.read(issueStatus).fields.status.name, status);
  } catch {
    return false;
  }
}

function same(a: string | undefined, b: string): boolean {
  return a !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();
}
