import { JobCanceledError } from "../queue/worker.ts";
import type { Db } from "../store/database.ts";
import type { WorkflowSettings } from "../workflows/workflow-settings.ts";
import { markFollowUpsConsumed } from "./follow-ups.ts";

/** What the `executed` step of a run's timeline says of one round, for
 * the local and the remote workflow alike. */
export function executionDetails(
  executor: { name: string },
  done: {
    complete: boolean;
    details?: Record<string, unknown> | undefined;
    stopped?: string | undefined;
  },
  given: readonly unknown[],
  workflow: WorkflowSettings | undefined,
  round?: number,
): Record<string, unknown> {
  return {
    executor: executor.name,
    complete: done.complete,
    ...(round === undefined ? {} : { round }),
    follow_ups: given.length,
    ...(workflow
      ? { workflow: workflow.type, defined_by: workflow.definedBy }
      : {}),
    ...done.details,
    ...(done.stopped ? { stopped: done.stopped } : {}),
  };
}

/** In the step's transaction: the follow-ups the round was given are
 * consumed, and its summary is the run's, for the next run to go on. */
export async function recordExecution(
  trx: Db,
  runId: number,
  given: readonly { id: number }[],
  summary: string,
  at: Date,
): Promise<void> {
  await markFollowUpsConsumed(
    trx,
    given.map((followUp) => followUp.id),
    at,
  );
  await trx
    .updateTable("runs")
    .set({ summary })
    .where("id", "=", runId)
    .execute();
}

export function checkCanceled(signal: AbortSignal): void {
  if (signal.aborted) throw new JobCanceledError();
}
