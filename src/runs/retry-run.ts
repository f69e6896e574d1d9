import { recordAuditEvent } from "../audit/audit-event.ts";
import type { ChangeContext } from "../audit/change-context.ts";
import type { Project } from "../projects/project.ts";
import { enqueueJob } from "../queue/enqueue-job.ts";
import { changeRunStatus } from "./run-status.ts";
import { recordTimelineEvent } from "./timeline.ts";

export type RetryOutcome = "queued" | "not_retryable" | "ticket_busy";

/**
 * Queues a failed or canceled run again with a fresh job. Refused while
 * another run for the same ticket is active: the database's
 * one-active-run-per-ticket index would reject it anyway.
 */
export async function retryRun(
  project: Project,
  runId: number,
  context: ChangeContext,
): Promise<RetryOutcome> {
  return context.db.transaction().execute(async (trx) => {
    const run = await trx
      .selectFrom("runs")
      .select(["external_reference", "status"])
      .where("id", "=", runId)
      .executeTakeFirstOrThrow();
    const busy = await trx
      .selectFrom("runs")
      .select("id")
      .where("project_id", "=", project.id)
      .where("external_reference", "=", run.external_reference)
      .where("status", "in", ["queued", "running"])
      .where("id", "!=", runId)
      .executeTakeFirst();
    if (busy) return "ticket_busy";
    if (run.status !== "failed" && run.status !== "canceled") {
      return "not_retryable";
    }

    await changeRunStatus(trx, runId, "queued", {
      at: context.now,
      error: null,
    });
    await enqueueJob(trx, {
      kind: "run",
      runId,
      projectId: project.id,
      runAt: context.now,
    });
    await recordTimelineEvent(trx, runId, {
      kind: "retried",
      at: context.now,
      details: { by: context.actor.name },
    });
    await recordAuditEvent(trx, {
      actor: context.actor,
      project,
      action: "retried run",
      target: { type: "Run", id: runId },
      ipAddress: context.ipAddress,
      at: context.now,
    });
    return "queued";
  });
}
