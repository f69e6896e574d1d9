import { recordAuditEvent, SYSTEM_ACTOR } from "../audit/audit-event.ts";
import { enqueueJob } from "../queue/enqueue-job.ts";
import type { Db } from "../store/database.ts";
import { insertRuns, runTicketKey } from "./insert-runs.ts";
import { ticketOf } from "./run-record.ts";
import { recordTimelineEvent } from "./timeline.ts";

/**
 * In a run's final transaction, after its status changed: the follow-ups
 * no executor was given (they arrived after its last round read them)
 * move to a new queued run for the same ticket, with its job, which
 * continues the ticket's open merge request like any later run. Answers
 * the new run's id, or undefined when nothing was pending.
 *
 * The caller must have changed the run's status first, in this
 * transaction: see `findJoinableRuns` for why that closes the race with
 * a delivery joining the run.
 */
export async function handOnFollowUps(
  trx: Db,
  runId: number,
  project: { id: number; path: string },
  at: Date,
): Promise<number | undefined> {
  const pending = await trx
    .selectFrom("run_follow_ups")
    .select(["id", "created_at"])
    .where("run_id", "=", runId)
    .where("consumed_at", "is", null)
    .orderBy("id")
    .execute();
  const [oldest] = pending;
  if (!oldest) return undefined;

  const run = await trx
    .selectFrom("runs")
    .selectAll()
    .where("id", "=", runId)
    .executeTakeFirstOrThrow();
  // The new run was received when its first instruction was.
  const receivedAt = new Date(oldest.created_at);
  const started = await insertRuns(
    trx,
    [
      {
        projectId: run.project_id,
        triggerId: run.trigger_id,
        workflowType: run.workflow_type,
        executor: run.executor,
        ticket: ticketOf(run),
        contextJson: run.context,
        receivedAt,
        verifiedAt: receivedAt,
        admissionJson: run.admission,
      },
    ],
    at,
  );
  const heir = started.get(
    runTicketKey(run.project_id, run.external_reference),
  );
  if (heir === undefined) {
    // The ticket's one active run was this one until this transaction
    // ended it, and the unique index makes any other insert wait for it.
    throw new Error(
      `run ${runId} could not hand its follow-ups on: ticket ` +
        `${run.external_reference} already has another active run`,
    );
  }
  await enqueueJob(trx, {
    kind: "run",
    runId: heir,
    projectId: run.project_id,
    runAt: at,
  });

  const ids = pending.map((followUp) => followUp.id);
  await trx
    .updateTable("run_follow_ups")
    .set({ run_id: heir })
    .where("id", "in", ids)
    .execute();
  await recordTimelineEvent(trx, runId, {
    kind: "follow_ups_handed_on",
    at,
    details: { run_id: heir, follow_ups: ids.length },
  });
  await recordTimelineEvent(trx, heir, {
    kind: "follow_ups_taken_over",
    at,
    details: { from_run_id: runId, follow_ups: ids.length },
  });
  await recordAuditEvent(trx, {
    actor: SYSTEM_ACTOR,
    project,
    action: "queued run for handed-on follow-ups",
    target: { type: "Run", id: heir, details: run.external_reference },
    details: { from_run_id: runId, follow_ups: ids.length },
    at,
  });
  return heir;
}
