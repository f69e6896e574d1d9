import type { Clock } from "../../clock.ts";
import type { GitLabApi } from "../../forges/gitlab/gitlab-api.ts";
import { recordTimelineEvent } from "../../runs/timeline.ts";
import type { Db } from "../../store/database.ts";
import { cancelPipeline } from "./pipelines-api.ts";

const CANCEL_TIMEOUT_MS = 10 * 1000;

/**
 * After the run's work was aborted: when the run itself was canceled
 * (not this process shutting down, where another worker follows the
 * same pipeline on), cancels the pipeline on GitLab too, so its jobs
 * stop spending runners on a change nobody wants. A failure to cancel
 * is recorded on the run, not thrown: the run is canceled either way.
 */
export async function cancelWhenRunCanceled(context: {
  db: Db;
  now: Clock;
  api: GitLabApi;
  projectId: number;
  runId: number;
  pipelineId: number;
}): Promise<void> {
  const { db, now, runId, pipelineId } = context;
  const run = await db
    .selectFrom("runs")
    .select("status")
    .where("id", "=", runId)
    .executeTakeFirst();
  if (run?.status !== "canceled") return;

  let error: string | undefined;
  try {
    await cancelPipeline(
      context.api,
      context.projectId,
      pipelineId,
      AbortSignal.timeout(CANCEL_TIMEOUT_MS),
    );
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  }
  await recordTimelineEvent(db, runId, {
    kind: "remote_status",
    at: now(),
    details: {
      executor: "gitlab_pipeline",
      id: pipelineId,
      status: error ? "cancel_failed" : "cancel_requested",
      ...(error ? { error } : {}),
    },
  });
}
