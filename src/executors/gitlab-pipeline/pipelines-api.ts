import { type GitLabApi, GitLabError } from "../../forges/gitlab/gitlab-api.ts";
import type { CancelOutcome } from "../remote/cancel-when-run-canceled.ts";
import type { WorkPhase, WorkStatus } from "../remote/follow-remote-work.ts";
import type { RemoteWorkRef } from "../remote/start-once.ts";
import {
  type PipelineVariable,
  REQUEST_KEY_VARIABLE,
} from "./pipeline-variables.ts";

const MINUTE_MS = 60 * 1000;
// A lost answer is looked for among the newest API-made pipelines on
// the ref, made since a little before the request (clocks differ).
const RECENT_PIPELINES = 20;
const CLOCK_SKEW_MS = 5 * MINUTE_MS;

/** Pipeline statuses (GitLab's pipelines API), and what each means. */
const PHASES: Record<string, WorkPhase> = {
  created: "working",
  waiting_for_resource: "working",
  preparing: "working",
  pending: "working",
  running: "working",
  scheduled: "working",
  canceling: "working",
  // A manual job holds the pipeline until a person plays it.
  manual: "waiting",
  success: "succeeded",
  failed: "failed",
  canceled: "failed",
  skipped: "failed",
};

interface Pipeline {
  id: number;
  status?: string;
  web_url?: string;
}

export interface NewPipeline {
  ref: string;
  variables: PipelineVariable[];
}

/**
 * Creates a pipeline on the ref with `POST /projects/:id/pipeline`, as
 * the project token's user: unlike the trigger API, it takes file
 * variables (`variable_type: "file"`), which the ticket needs.
 */
export async function createPipeline(
  api: GitLabApi,
  projectId: number,
  pipeline: NewPipeline,
  signal: AbortSignal,
): Promise<RemoteWorkRef> {
  const created = await api.request<Pipeline | undefined>(
    "POST",
    `/projects/${projectId}/pipeline`,
    { json: pipeline, signal },
  );
  if (!created || !Number.isSafeInteger(created.id)) {
    throw new GitLabError(
      "GitLab answered the new pipeline without its id",
      201,
      false,
    );
  }
  return { id: created.id, url: created.web_url };
}

/**
 * The pipeline whose request carried `requestKey`, among the newest
 * API-made ones on the ref updated since a little before the request.
 * TODO: a busier ref could push it past the first page, and the run's
 * next attempt would trigger a second pipeline; paging back to the
 * request's time would close that gap.
 */
export async function findPipelineByKey(
  api: GitLabApi,
  projectId: number,
  ref: string,
  requestKey: string,
  requestedAt: Date,
  signal: AbortSignal,
): Promise<RemoteWorkRef | undefined> {
  const since = new Date(requestedAt.getTime() - CLOCK_SKEW_MS);
  const pipelines =
    (await api.request<Pipeline[] | undefined>(
      "GET",
      `/projects/${projectId}/pipelines`,
      {
        query: {
          source: "api",
          ref,
          updated_after: since.toISOString(),
          order_by: "id",
          sort: "desc",
          per_page: RECENT_PIPELINES,
        },
        signal,
      },
    )) ?? [];
  for (const pipeline of pipelines) {
    const variables =
      (await api.request<{ key: string; value: string }[] | undefined>(
        "GET",
        `/projects/${projectId}/pipelines/${pipeline.id}/variables`,
        { signal },
      )) ?? [];
    const key = variables.find((v) => v.key === REQUEST_KEY_VARIABLE);
    if (key?.value === requestKey) {
      return { id: pipeline.id, url: pipeline.web_url };
    }
  }
  return undefined;
}

export async function readPipelineStatus(
  api: GitLabApi,
  projectId: number,
  pipelineId: number,
  signal: AbortSignal,
): Promise<WorkStatus> {
  const pipeline = await api.request<Pipeline | undefined>(
    "GET",
    `/projects/${projectId}/pipelines/${pipelineId}`,
    { signal },
  );
  const status = String(pipeline?.status ?? "unknown").toLowerCase();
  return { status, phase: PHASES[status] ?? "working" };
}

/** Asks GitLab to cancel a pipeline's jobs (its "Cancel pipeline"). */
export async function cancelPipeline(
  api: GitLabApi,
  projectId: number,
  pipelineId: number,
  signal: AbortSignal,
): Promise<CancelOutcome> {
  await api.request(
    "POST",
    `/projects/${projectId}/pipelines/${pipelineId}/cancel`,
    { signal },
  );
  return { kind: "requested" };
}
