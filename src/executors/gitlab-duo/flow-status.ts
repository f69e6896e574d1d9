import { type GitLabApi, GitLabError } from "../../forges/gitlab/gitlab-api.ts";
import type { WorkPhase, WorkStatus } from "../remote/follow-remote-work.ts";
import { workflowGid } from "./flows-api.ts";

/** The flow statuses of the Flows API, and what each means to a run. */
const PHASES: Record<string, WorkPhase> = {
  created: "working",
  running: "working",
  paused: "working",
  input_required: "waiting",
  plan_approval_required: "waiting",
  tool_call_approval_required: "waiting",
  finished: "succeeded",
  failed: "failed",
  stopped: "failed",
};

// The fields beyond id and status are read when this GitLab has them;
// an older schema is asked the two it surely has.
const FULL_QUERY = `query($workflowId: AiDuoWorkflowsWorkflowID!) {
  duoWorkflowWorkflows(workflowId: $workflowId) {
    nodes { id status humanStatus latestCheckpoint { errors } }
  }
}`;
const MINIMAL_QUERY = `query($workflowId: AiDuoWorkflowsWorkflowID!) {
  duoWorkflowWorkflows(workflowId: $workflowId) {
    nodes { id status }
  }
}`;

interface FlowNode {
  id: string;
  status?: string | null;
  humanStatus?: string | null;
  latestCheckpoint?: { errors?: unknown } | null;
}

/** Reads one flow's status over GraphQL, one client per flow. */
export class FlowStatusReader {
  #query = FULL_QUERY;

  constructor(
    private readonly api: GitLabApi,
    private readonly flowId: number,
  ) {}

  async read(signal: AbortSignal): Promise<WorkStatus> {
    const node = await this.#node(signal);
    // GraphQL names the status in upper case (FINISHED); REST, lower.
    const status = String(node.status ?? "unknown").toLowerCase();
    const errors = Array.isArray(node.latestCheckpoint?.errors)
      ? node.latestCheckpoint.errors.filter(
          (error): error is string => typeof error === "string",
        )
      : [];
    const said = [node.humanStatus, ...errors].filter(
      (part): part is string => typeof part === "string" && part !== "",
    );
    return {
      status,
      // An unknown status is followed like work in progress; the time
      // limit still ends it.
      phase: PHASES[status] ?? "working",
      ...(said.length > 0 ? { message: said.join("; ").slice(0, 500) } : {}),
    };
  }

  async #node(signal: AbortSignal): Promise<FlowNode> {
    const variables = { workflowId: workflowGid(this.flowId) };
    let data: { duoWorkflowWorkflows: { nodes: FlowNode[] } | null };
    try {
      data = await this.api.graphql(this.#query, variables, signal);
    } catch (error) {
      if (this.#query === MINIMAL_QUERY || !isSchemaError(error)) throw error;
      this.#query = MINIMAL_QUERY;
      data = await this.api.graphql(this.#query, variables, signal);
    }
    const node = data.duoWorkflowWorkflows?.nodes[0];
    if (!node) {
      throw new GitLabError(
        `GitLab shows no flow ${this.flowId} to the project's token: it ` +
          "was deleted, or the token's user is not the one who started it",
        200,
        false,
      );
    }
    return node;
  }
}

/** GitLab's answer to a field its schema lacks. */
function isSchemaError(error: unknown): boolean {
  return (
    error instanceof GitLabError &&
    /doesn't exist on type|Cannot query field/i.test(error.message)
  );
}
