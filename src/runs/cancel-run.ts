import { recordAuditEvent } from "../audit/audit-event.ts";
import type { ChangeContext } from "../audit/change-context.ts";
import { enqueueReports } from "../outbox/enqueue-reports.ts";
import type { Project } from "../projects/project.ts";
import { changeRunStatus } from "./run-status.ts";
import { recordTimelineEvent } from "./timeline.ts";

/** Cancels a queued or running run; false when it had already ended. The
 * worker holding it notices at its next step or heartbeat. */
export async function cancelRun(
  project: Project,
  runId: number,
  context: ChangeContext,
  /** Why, when the cancel comes from an event in the tracker. */
  why: { reason?: string } = {},
  /** Where run links point, to tell the ticket of the cancel. */
  report?: { publicUrl: string },
): Promise<boolean> {
  return context.db.transaction().execute(async (trx) => {
    const canceled = await changeRunStatus(trx, runId, "canceled", {
      at: context.now,
      error: null,
    });
    if (!canceled) return false;

    await trx
      .updateTable("jobs")
      .set({ status: "canceled", updated_at: context.now.toISOString() })
      .where("run_id", "=", runId)
      .where("status", "=", "pending")
      .execute();
    await recordTimelineEvent(trx, runId, {
      kind: "canceled",
      at: context.now,
      details: {
        by: context.actor.name,
        ...(why.reason ? { reason: why.reason } : {}),
      },
    });
    if (report) {
      await enqueueReports(trx, {
        runId,
        event: "canceled",
        at: context.now,
        publicUrl: report.publicUrl,
      });
    }
    await recordAuditEvent(trx, {
      actor: context.actor,
      project,
      action: "canceled run",
      target: { type: "Run", id: runId },
      ipAddress: context.ipAddress,
      at: context.now,
    });
    return true;
  });
}
