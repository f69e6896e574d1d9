import type { Clock } from "../../clock.ts";
import { FatalJobError } from "../../queue/worker.ts";
import type { Db } from "../../store/database.ts";
import type {
  RemoteExecutionInput,
  RemoteExecutionResult,
  RemoteExecutor,
} from "../executor.ts";
import { cancelWhenRunCanceled } from "../remote/cancel-when-run-canceled.ts";
import {
  type FollowOptions,
  followRemoteWork,
} from "../remote/follow-remote-work.ts";
import { type GitLabAccess, gitlabTargetOf } from "../remote/gitlab-target.ts";
import type { RemoteWakeups } from "../remote/remote-wakeups.ts";
import { guarded, type RunErrorContext } from "../remote/run-error.ts";
import { type RemoteWorkRef, startOnce } from "../remote/start-once.ts";
import { duoHints } from "./duo-hints.ts";
import { findFlowMergeRequest } from "./find-flow-merge-request.ts";
import { clientReference, flowWakeKey } from "./flow-callback.ts";
import { flowContext, flowGoal, requestMarker } from "./flow-goal.ts";
import { FlowStatusReader } from "./flow-status.ts";
import {
  createFlow,
  findFlowByMarker,
  flowUrl,
  stopFlow,
} from "./flows-api.ts";

const MINUTE_MS = 60 * 1000;
const DEFAULT_DEFINITION = "developer/v1";
const DEFAULT_WAIT_FOR_PEOPLE_MS = 60 * MINUTE_MS;
/** The working limit of a run without workflow settings (tests). */
const DEFAULT_WORKING_MS = 30 * MINUTE_MS;

const ACTIONS: Record<string, string> = {
  input_required: "answer the flow's question in GitLab",
  plan_approval_required: "approve or change the flow's plan in GitLab",
  tool_call_approval_required: "approve or deny the flow's tool call in GitLab",
};

export interface GitLabDuoExecutorOptions extends GitLabAccess {
  db: Db;
  now: Clock;
  /** Pacing of status reads; tests shorten it. */
  delays?: FollowOptions["delays"];
  /** Flow callbacks cut the pause between status reads short. */
  wakeups?: RemoteWakeups | undefined;
}

/**
 * A GitLab Duo Agent Platform flow (by default `developer/v1`) does the
 * work on GitLab: Flowgate starts it with the ticket as its goal, follows
 * its status until it finishes, then attaches the merge request it
 * opened, found by the marker its goal asked the description to carry
 * (docs/gitlab-executors.md).
 */
export class GitLabDuoExecutor implements RemoteExecutor {
  readonly name = "gitlab_duo";
  readonly remote = true;
  readonly #options: GitLabDuoExecutorOptions;

  constructor(options: GitLabDuoExecutorOptions) {
    this.#options = options;
  }

  async execute(input: RemoteExecutionInput): Promise<RemoteExecutionResult> {
    const { db, now } = this.#options;
    const { signal, project, runId } = input;
    signal.throwIfAborted();
    const { api, config } = gitlabTargetOf(project, this.name, this.#options);
    const settings = input.workflow?.gitlabDuo;
    const definition = settings?.workflowDefinition ?? DEFAULT_DEFINITION;
    const errors = (doing: string): RunErrorContext => ({
      doing: `${doing} for run ${runId} of project ${project.path}`,
      hints: duoHints(definition),
    });
    const url = (id: number) => flowUrl(config.baseUrl, project.path, id);
    const ref = (id: number): RemoteWorkRef => ({ id, url: url(id) });
    const sourceBranch = settings?.sourceBranch ?? project.defaultBranch;

    const flow = await guarded(errors("Starting a GitLab Duo flow"), () =>
      startOnce({
        db,
        now,
        runId,
        executor: this.name,
        start: async (key) =>
          ref(
            await createFlow(
              api,
              {
                project_id: String(config.projectId),
                goal: flowGoal(input, key, sourceBranch),
                workflow_definition: definition,
                start_workflow: true,
                environment: "web",
                source_branch: sourceBranch,
                ...(settings?.agentPrivileges
                  ? { agent_privileges: settings.agentPrivileges }
                  : {}),
                additional_context: flowContext(input),
                ...(settings?.callbackHookId
                  ? {
                      callback_hook_id: settings.callbackHookId,
                      client_reference: clientReference(runId),
                    }
                  : {}),
              },
              signal,
            ),
          ),
        find: async (key) => {
          const marker = requestMarker(runId, key);
          const id = await findFlowByMarker(api, project.path, marker, signal);
          return id === undefined ? undefined : ref(id);
        },
        endedBadly: async (work) => {
          const reader = new FlowStatusReader(api, work.id);
          return (await reader.read(signal)).phase === "failed";
        },
      }),
    );

    const reader = new FlowStatusReader(api, flow.id);
    const { wakeups } = this.#options;
    const following = guarded(errors("Following a GitLab Duo flow"), () =>
      followRemoteWork({
        db,
        now,
        runId,
        executor: this.name,
        work: flow,
        read: (readSignal) => reader.read(readSignal),
        signal,
        workingLimitMs:
          input.workflow?.budgets.maxDurationMs ?? DEFAULT_WORKING_MS,
        waitingLimitMs: settings?.waitForPeopleMs ?? DEFAULT_WAIT_FOR_PEOPLE_MS,
        actionFor: (status) =>
          ACTIONS[status.status] ?? "act on the flow in GitLab",
        delays: this.#options.delays,
        reporting: this.#options.reporting,
        pause:
          wakeups &&
          ((ms, pauseSignal) =>
            wakeups.pause(flowWakeKey(flow.id), ms, pauseSignal)),
      }),
    );
    const outcome = await following.catch(async (error: unknown) => {
      if (signal.aborted) {
        await cancelWhenRunCanceled({
          db,
          now,
          runId,
          executor: this.name,
          workId: flow.id,
          cancel: (cancelSignal) => stopFlow(api, flow.id, cancelSignal),
        });
      }
      throw error;
    });
    // A run out of time leaves the flow going on purpose: a person may
    // answer it in GitLab and retry the run, which follows it on.
    const where = `the GitLab Duo flow ${flow.id} (${flow.url})`;
    if (outcome.kind === "timed_out") {
      const minutes = Math.round(outcome.limitMs / MINUTE_MS);
      throw new FatalJobError(
        outcome.waiting
          ? `${where} waited ${minutes} minutes for a person ` +
              `(${outcome.status.status}): act on it in GitLab, then ` +
              "retry the run, which follows the same flow; or raise the " +
              "trigger's workflows.<type>.gitlab_duo.wait_for_people_s"
          : `${where} was still ${outcome.status.status} after ` +
              `${minutes} minutes, the run's budgets.max_duration_s; it ` +
              "goes on in GitLab: retry the run to follow it again, or " +
              "raise budgets.max_duration_s on the trigger",
      );
    }
    const { status } = outcome;
    if (status.phase === "failed") {
      throw new FatalJobError(
        `${where} ended ${status.status}` +
          (status.message ? `: ${status.message}` : "") +
          "; see the session in GitLab. Retrying the run starts a new flow",
      );
    }

    const marker = requestMarker(runId, flow.requestKey);
    const mergeRequest = await guarded(
      errors("Looking for the GitLab Duo flow's merge request"),
      () =>
        findFlowMergeRequest(
          api,
          {
            projectId: config.projectId,
            marker,
            flowUrl: flow.url ?? url(flow.id),
            externalReference: input.ticket.externalReference,
            since: flow.startedAt,
          },
          signal,
        ),
    );
    if (!mergeRequest) {
      throw new FatalJobError(
        `${where} finished, but GitLab shows no open merge request it ` +
          `opened (none whose description carries "${marker}" or links ` +
          "the session): see what the flow did in GitLab; open the " +
          "merge request, put that line in its description, and retry " +
          "the run to attach it",
      );
    }
    return {
      summary:
        `GitLab Duo flow [${flow.id}](${flow.url}) (\`${definition}\`) ` +
        `finished${status.message ? `: ${status.message}` : "."}`,
      complete: true,
      mergeRequest,
      details: {
        flow_id: flow.id,
        flow_url: flow.url,
        workflow_definition: definition,
        ...(flow.resumed ? { resumed: true } : {}),
      },
    };
  }
}
