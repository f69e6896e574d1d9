import { type GitLabApi, GitLabError } from "../../forges/gitlab/gitlab-api.ts";
import type { CancelOutcome } from "../remote/cancel-when-run-canceled.ts";

const WORKFLOW_GID = "gid://gitlab/Ai::DuoWorkflows::Workflow/";
// A lost answer is looked for among the project's newest flows.
const RECENT_FLOWS = 20;
// GitLab's 400 for a flow that has ended (Ai::DuoWorkflows::
// UpdateWorkflowStatusService); stopping a stopped one answers 200.
const CANNOT_STOP = /Can not stop workflow that has status [^;]+/;

/** The body of `POST /ai/duo_workflows/workflows` (docs.gitlab.com
 * api/duo_agent_platform_flows). */
export interface NewFlow {
  project_id: string;
  goal: string;
  workflow_definition: string;
  start_workflow: true;
  environment: "web";
  /** The branch the flow STARTS from: GitLab makes a working ref of its
   * own from it (`workloads/<hash>`), and the flow pushes its work to a
   * branch it names itself. A branch that does not exist silently means
   * the default branch, so this is never the run's not-yet-made branch. */
  source_branch: string;
  agent_privileges?: number[];
  additional_context: unknown[];
  /** A project or group webhook with Duo flow callbacks turned on
   * (GitLab 19.4, behind the `duo_flow_callback_hooks` flag). */
  callback_hook_id?: number;
  /** Echoed in every callback of the flow. */
  client_reference?: string;
}

export function workflowGid(id: number): string {
  return `${WORKFLOW_GID}${id}`;
}

/** Where a person sees the flow (and answers it) in GitLab. */
export function flowUrl(baseUrl: string, projectPath: string, id: number) {
  return `${baseUrl}/${projectPath}/-/automate/agent-sessions/${id}`;
}

/** Creates and starts a flow; answers its id. */
export async function createFlow(
  api: GitLabApi,
  flow: NewFlow,
  signal: AbortSignal,
): Promise<number> {
  const created = await api.request<{ id?: unknown } | undefined>(
    "POST",
    "/ai/duo_workflows/workflows",
    { json: flow, signal },
  );
  const id = Number(created?.id);
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw new GitLabError(
      "GitLab answered the new flow without its id: the Flows API of " +
        "this GitLab version is not one Flowgate knows",
      201,
      false,
    );
  }
  return id;
}

/**
 * Stops a flow (`PATCH /ai/duo_workflows/workflows/:id` with
 * `status_event: "stop"`); GitLab cancels the flow's own pipelines too.
 * A flow that has finished or failed already needs no stop.
 */
export async function stopFlow(
  api: GitLabApi,
  id: number,
  signal: AbortSignal,
): Promise<CancelOutcome> {
  try {
    await api.request("PATCH", `/ai/duo_workflows/workflows/${id}`, {
      json: { status_event: "stop" },
      signal,
    });
    return { kind: "requested" };
  } catch (error) {
    const ended =
      error instanceof GitLabError && error.status === 400
        ? CANNOT_STOP.exec(error.message)
        : null;
    if (!ended) throw error;
    return { kind: "not_needed", message: ended[0] };
  }
}

interface FlowList {
  duoWorkflowWorkflows: {
    nodes: { id: string; goal?: string | null }[];
  } | null;
}

/**
 * The newest flow of the project whose goal carries `marker`.
 * TODO: this sees only the project's 20 newest flows that the token's
 * user started, through GraphQL fields of GitLab 18 (`projectPath`,
 * `sort`, `goal`); a flow beyond them, or a GitLab without them, is not
 * found and the run's next attempt starts a second flow. A create that
 * took an idempotency key would make this exact; the Flows API takes
 * none yet.
 */
export async function findFlowByMarker(
  api: GitLabApi,
  projectPath: string,
  marker: string,
  signal: AbortSignal,
): Promise<number | undefined> {
  const data = await api.graphql<FlowList>(
    `query($projectPath: ID!) {
      duoWorkflowWorkflows(projectPath: $projectPath, first: ${RECENT_FLOWS},
        sort: CREATED_DESC) {
        nodes { id goal }
      }
    }`,
    { projectPath },
    signal,
  );
  const node = data.duoWorkflowWorkflows?.nodes.find((flow) =>
    flow.goal?.includes(marker),
  );
  return node ? idOfGid(node.id) : undefined;
}

export function idOfGid(gid: string): number | undefined {
  const id = Number(/\/(\d+)$/.exec(gid)?.[1]);
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}
