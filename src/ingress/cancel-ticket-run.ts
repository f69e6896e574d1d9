import { triggerActor } from "../audit/audit-event.ts";
import type { Project } from "../projects/project.ts";
import { cancelRun } from "../runs/cancel-run.ts";
import { ACTIVE_STATUSES } from "../runs/run-status.ts";
import { runView } from "../runs/run-view.ts";
import type { Trigger } from "../triggers/trigger.ts";
import type { IngressContext } from "./ingress-context.ts";
import type { Answer } from "./receive-delivery.ts";

export interface TicketCancel {
  project: Project;
  trigger: Trigger;
  externalReference: string;
  /** Why the sender's event cancels: a stop command, a closed ticket… */
  reason: string;
  /** Cancel only a run whose ticket carried this label when admitted. */
  onlyIfRunLabelled?: string | undefined;
  sourceIp: string;
}

/**
 * Ends the ticket's active run because of an event in the tracker. No
 * active run is not an error: the event is answered as ignored, so a
 * provider's retry of a cancel that already happened is harmless.
 */
export async function cancelTicketRun(
  context: IngressContext,
  cancel: TicketCancel,
): Promise<Answer> {
  const { project, trigger, externalReference } = cancel;
  const active = await context.db
    .selectFrom("runs")
    .select(["id", "context"])
    .where("project_id", "=", project.id)
    .where("external_reference", "=", externalReference)
    .where("status", "in", [...ACTIVE_STATUSES])
    .executeTakeFirst();
  if (
    active &&
    cancel.onlyIfRunLabelled !== undefined &&
    !carriedLabel(active.context, cancel.onlyIfRunLabelled)
  ) {
    return {
      status: 200,
      body: {
        status: "ignored",
        reason: `a label was removed from ${externalReference}, but its active run did not begin with the label "${cancel.onlyIfRunLabelled}"`,
      },
      headers: {},
      outcome: "ignored",
    };
  }
  const canceled =
    active !== undefined &&
    (await cancelRun(
      project,
      active.id,
      {
        db: context.db,
        actor: triggerActor(trigger.id),
        ipAddress: cancel.sourceIp,
        now: context.now(),
      },
      { reason: cancel.reason },
      { publicUrl: context.publicUrl },
    ));
  if (!active || !canceled) {
    return {
      status: 200,
      body: {
        status: "ignored",
        reason: `${cancel.reason}, but ${externalReference} has no active run`,
      },
      headers: {},
      outcome: "ignored",
    };
  }

  context.abortRun(active.id);
  const run = await context.db
    .selectFrom("runs")
    .selectAll()
    .where("id", "=", active.id)
    .executeTakeFirstOrThrow();
  const view = await runView(context.db, run, {
    publicUrl: context.publicUrl,
    projectPath: project.path,
    withEvents: false,
  });
  return {
    status: 200,
    body: { ...view, canceled: true, reason: cancel.reason },
    headers: {},
    outcome: "canceled",
    runId: active.id,
    reason: cancel.reason,
  };
}

/** Whether the ticket context stored with a run lists `label`. */
function carriedLabel(context: unknown, label: string): boolean {
  const stored =
    typeof context === "string" ? (JSON.parse(context) as unknown) : context;
  if (typeof stored !== "object" || stored === null) return false;
  const { labels } = stored as { labels?: unknown };
  const wanted = label.toLowerCase();
  return (
    Array.isArray(labels) &&
    labels.some(
      (name) => typeof name === "string" && name.toLowerCase() === wanted,
    )
  );
}
