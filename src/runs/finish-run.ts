import { recordAuditEvent, SYSTEM_ACTOR } from "../audit/audit-event.ts";
import { enqueueReports } from "../outbox/enqueue-reports.ts";
import type { Db } from "../store/database.ts";
import { handOnFollowUps } from "./hand-on-follow-ups.ts";
import { changeRunStatus } from "./run-status.ts";
import { recordTimelineEvent } from "./timeline.ts";

export interface RunEnd {
  runId: number;
  projectId: number;
  status: "succeeded" | "failed";
  error: string | null;
  at: Date;
  /** Where run links point, for the reports to the ticket. */
  publicUrl: string;
}

export type RunEndOutcome =
  | { changed: false }
  | { changed: true; handedOnTo: number | undefined };

/**
 * A worker's end of a run, in one transaction: its final status, the
 * `finished` event, the audit event, the reports to the ticket and, for
 * a run that succeeded, its pending follow-ups handed on to a new run.
 * Nothing changes when the run was no longer running (canceled, say).
 *
 * Only a success hands on. A failed run keeps its follow-ups with the
 * work they build on: a retry gives them all to the executor again, and
 * a run that failed (a budget spent, a workflows file the run cannot
 * read, a push the forge refuses) would mostly make its heir fail the
 * same way, and that one hand them on again. A canceled run means stop.
 */
export async function finishRun(db: Db, end: RunEnd): Promise<RunEndOutcome> {
  const { runId, status, error, at } = end;
  return db.transaction().execute(async (trx) => {
    // First, so that a delivery joining the run either commits before
    // the pending follow-ups are read below or sees the run ended (see
    // findJoinableRuns).
    if (!(await changeRunStatus(trx, runId, status, { at, error }))) {
      return { changed: false };
    }
    await recordTimelineEvent(trx, runId, {
      kind: "finished",
      at,
      details: { status, ...(error ? { error } : {}) },
    });
    const project = await trx
      .selectFrom("projects")
      .select(["id", "path"])
      .where("id", "=", end.projectId)
      .executeTakeFirstOrThrow();
    await recordAuditEvent(trx, {
      actor: SYSTEM_ACTOR,
      project,
      action: `run ${status}`,
      target: { type: "Run", id: runId },
      details: error ? { error } : {},
      at,
    });
    await enqueueReports(trx, {
      runId,
      event: status,
      at,
      publicUrl: end.publicUrl,
    });
    const handedOnTo =
      status === "succeeded"
        ? await handOnFollowUps(trx, runId, project, at)
        : undefined;
    return { changed: true, handedOnTo };
  });
}
