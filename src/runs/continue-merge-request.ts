import type { Forge, ForgeProject, MergeRequest } from "../forges/forge.ts";
import type { Db } from "../store/database.ts";
import { hasContinuation, withContinuation } from "./continuation-section.ts";
import { type RecordedFollowUp, withFollowUps } from "./merge-request-text.ts";
import type { RunRow } from "./run-record.ts";

/** A run continuing an open merge request adds its follow-ups'
 * instructions to the description, each once. */
export async function continueMergeRequest(
  forge: Forge,
  project: ForgeProject,
  open: MergeRequest,
  continuation: {
    followUps: readonly RecordedFollowUp[];
    run: RunRow;
    runUrl: string;
    result: Parameters<typeof withContinuation>[1]["result"];
  },
): Promise<MergeRequest> {
  const { followUps, run, runUrl, result } = continuation;
  // A run continuing the merge request adds its instructions, then what
  // it did and, when it stopped short, why. A retry of the run that
  // opened it adds nothing it already says.
  let description = withFollowUps(open.description, followUps);
  if (
    run.merge_request_iid !== open.iid ||
    hasContinuation(open.description, run.id)
  ) {
    description = withContinuation(description, {
      runId: run.id,
      runUrl,
      result,
    });
  }
  if (description === open.description) return open;
  return forge.updateMergeRequestDescription(project, open.iid, description);
}

/** Whether another run of the project recorded merge request `iid`: a
 * run that finds its own (a retry after GitLab made it) continues none. */
export async function openedByEarlierRun(
  db: Db,
  run: RunRow,
  iid: number,
): Promise<boolean> {
  const earlier = await db
    .selectFrom("runs")
    .select("id")
    .where("project_id", "=", run.project_id)
    .where("merge_request_iid", "=", iid)
    .where("id", "!=", run.id)
    .executeTakeFirst();
  return earlier !== undefined;
}
