import type { MergeRequest } from "../forges/forge.ts";
import { enqueueReports } from "../outbox/enqueue-reports.ts";
import type { Db } from "../store/database.ts";

/**
 * Records the run's merge request on the run, with the forge's own
 * address for it, and writes the "merge request opened" messages to the
 * ticket, in the transaction of the step that opened or found it.
 */
export async function attachMergeRequest(
  trx: Db,
  runId: number,
  opened: Pick<MergeRequest, "iid" | "web_url" | "source_branch">,
  report: { at: Date; publicUrl: string },
): Promise<void> {
  await trx
    .updateTable("runs")
    .set({
      // The branch the forge's work used: the one asked for, unless a
      // remote executor's work chose its own.
      branch: opened.source_branch,
      merge_request_iid: opened.iid,
      merge_request_web_url: opened.web_url,
    })
    .where("id", "=", runId)
    .execute();
  await enqueueReports(trx, {
    runId,
    event: "merge_request_opened",
    ...report,
  });
}
