import type { Clock } from "../../clock.ts";
import { FatalJobError } from "../../queue/worker.ts";
import type { Db } from "../../store/database.ts";
import type {
  RemoteExecutionInput,
  RemoteExecutionResult,
  RemoteExecutor,
} from "../executor.ts";
import { cancelWhenRunCanceled } from "../remote/cancel-when-run-canceled.ts";
import { findMergeRequest } from "../remote/find-merge-request.ts";
import {
  type FollowOptions,
  followRemoteWork,
} from "../remote/follow-remote-work.ts";
import { type GitLabAccess, gitlabTargetOf } from "../remote/gitlab-target.ts";
import { guarded, type RunErrorContext } from "../remote/run-error.ts";
import { startOnce } from "../remote/start-once.ts";
import { createHints, readHints } from "./pipeline-hints.ts";
import { pipelineVariables } from "./pipeline-variables.ts";
import {
  cancelPipeline,
  createPipeline,
  findPipelineByKey,
  readPipelineStatus,
} from "./pipelines-api.ts";

const MINUTE_MS = 60 * 1000;
/** How long a manual job may hold the pipeline before the run fails. */
const WAIT_FOR_PEOPLE_MS = 60 * MINUTE_MS;
/** The working limit of a run without workflow settings (tests). */
const DEFAULT_WORKING_MS = 30 * MINUTE_MS;

export interface GitLabPipelineExecutorOptions extends GitLabAccess {
  db: Db;
  now: Clock;
  /** Pacing of status reads; tests shorten it. */
  delays?: FollowOptions["delays"];
}

/**
 * A CI pipeline does the work (an agent CLI in a job, say): Flowgate
 * creates it on the ref with the project's token, the ticket as JSON in
 * a file variable and the rest as plain ones, follows it until it ends,
 * then attaches the merge request the job opened from
 * FLOWGATE_SOURCE_BRANCH (docs/gitlab-executors.md).
 */
export class GitLabPipelineExecutor implements RemoteExecutor {
  readonly name = "gitlab_pipeline";
  readonly remote = true;
  readonly #options: GitLabPipelineExecutorOptions;

  constructor(options: GitLabPipelineExecutorOptions) {
    this.#options = options;
  }

  async execute(input: RemoteExecutionInput): Promise<RemoteExecutionResult> {
    const { db, now } = this.#options;
    const { signal, project, runId } = input;
    signal.throwIfAborted();
    const { api, config } = gitlabTargetOf(project, this.name, this.#options);
    const ref = config.pipelineRef ?? project.defaultBranch;
    const errors = (
      doing: string,
      hints: RunErrorContext["hints"],
    ): RunErrorContext => ({
      doing: `${doing} for run ${runId} of project ${project.path}`,
      hints,
    });

    const pipeline = await guarded(
      errors(`Creating a pipeline on ${ref}`, createHints(ref)),
      () =>
        startOnce({
          db,
          now,
          runId,
          executor: this.name,
          start: (key) =>
            createPipeline(
              api,
              config.projectId,
              { ref, variables: pipelineVariables(input, key) },
              signal,
            ),
          find: (key, requestedAt) =>
            findPipelineByKey(
              api,
              config.projectId,
              ref,
              key,
              requestedAt,
              signal,
            ),
          endedBadly: async (work) => {
            const status = await readPipelineStatus(
              api,
              config.projectId,
              work.id,
              signal,
            );
            return status.phase === "failed";
          },
        }),
    );

    const following = guarded(errors("Following a pipeline", readHints), () =>
      followRemoteWork({
        db,
        now,
        runId,
        executor: this.name,
        work: pipeline,
        read: (readSignal) =>
          readPipelineStatus(api, config.projectId, pipeline.id, readSignal),
        signal,
        workingLimitMs:
          input.workflow?.budgets.maxDurationMs ?? DEFAULT_WORKING_MS,
        waitingLimitMs: WAIT_FOR_PEOPLE_MS,
        actionFor: () => "play the pipeline's manual job in GitLab",
        delays: this.#options.delays,
        reporting: this.#options.reporting,
      }),
    );
    const outcome = await following.catch(async (error: unknown) => {
      if (signal.aborted) {
        await cancelWhenRunCanceled({
          db,
          now,
          runId,
          executor: this.name,
          workId: pipeline.id,
          cancel: (cancelSignal) =>
            cancelPipeline(api, config.projectId, pipeline.id, cancelSignal),
        });
      }
      throw error;
    });
    const where = `pipeline ${pipeline.id} (${pipeline.url ?? ref})`;
    if (outcome.kind === "timed_out") {
      const minutes = Math.round(outcome.limitMs / MINUTE_MS);
      throw new FatalJobError(
        outcome.waiting
          ? `${where} waited ${minutes} minutes on a manual job: play ` +
              "it in GitLab, then retry the run, which follows the same " +
              "pipeline"
          : `${where} was still ${outcome.status.status} after ` +
              `${minutes} minutes, the run's budgets.max_duration_s: ` +
              "retry the run to follow it again, or raise " +
              "budgets.max_duration_s on the trigger",
      );
    }
    if (outcome.status.phase === "failed") {
      throw new FatalJobError(
        `${where} ended ${outcome.status.status}: see its jobs' logs in ` +
          "GitLab. Retrying the run creates a new pipeline",
      );
    }

    const mergeRequest = await guarded(
      errors("Looking for the pipeline's merge request", readHints),
      () => findMergeRequest(api, config.projectId, input.branch, signal),
    );
    if (!mergeRequest) {
      throw new FatalJobError(
        `${where} succeeded, but no open merge request comes from the ` +
          `branch ${input.branch}: the job must push FLOWGATE_SOURCE_BRANCH ` +
          "and open a merge request from it (docs/gitlab-executors.md); " +
          "retry the run to attach one opened since",
      );
    }
    return {
      summary:
        `Pipeline [${pipeline.id}](${pipeline.url ?? ""}) on \`${ref}\` ` +
        "succeeded.",
      complete: true,
      mergeRequest,
      details: {
        pipeline_id: pipeline.id,
        ...(pipeline.url ? { pipeline_url: pipeline.url } : {}),
        ref,
        ...(pipeline.resumed ? { resumed: true } : {}),
      },
    };
  }
}
