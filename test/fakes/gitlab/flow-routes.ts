import { execute, type Resolved } from "../graphql-subset.ts";
import type {
  FakeGitLab,
  FakeGitLabUser,
  FakeMergeRequest,
  RecordedGitLabRequest,
} from "./fake-gitlab.ts";
import { addFlowStopRoute, flowJson } from "./flow-stop-route.ts";

const DEVELOPER = 30;
const REPORTER = 20;
const WORKFLOW_GID = "gid://gitlab/Ai::DuoWorkflows::Workflow/";

/** How a flow or a pipeline the fake starts goes on: the statuses each
 * status read answers in turn (the last one ever after), what GitLab
 * says of it, and whether it opens a merge request when it succeeds. */
export interface RemoteScript {
  statuses: string[];
  humanStatus?: string;
  errors?: string[];
  opensMergeRequest?: boolean;
  /** How a flow's merge request shows it is the flow's: the goal's
   * marker line in its description (what the goal asks, the default),
   * a link to the session, or only the ticket's reference as its title. */
  mergeRequestSays?: "marker" | "session_link" | "title_only";
  /** What a flow has become when a stop arrives, unread (it ended
   * between two status reads). */
  statusAtStop?: string;
}

export interface FakeFlow {
  id: number;
  projectId: number;
  userId: number;
  /** The body of the POST that created it, as sent. */
  body: Record<string, any>;
  /** GitLab's working ref of the flow, made from `source_branch` (or
   * the default branch when that does not name a branch). */
  workloadBranch: string;
  script: RemoteScript;
  reads: number;
  status: string;
  /** Set by a stop (`PATCH …/workflows/:id`): reads no longer advance
   * it. */
  stoppedByApi?: boolean;
}

export interface FakePipeline {
  /** Set by `POST …/pipelines/:id/cancel`: reads no longer advance it. */
  canceledByApi?: boolean;
  id: number;
  projectId: number;
  ref: string;
  /** `trigger` (the trigger API) or `api` (`POST …/pipeline`). */
  source: "trigger" | "api";
  variables: Record<string, string>;
  /** Each variable's `variable_type`: `env_var` or `file`. */
  variableTypes: Record<string, string>;
  /** Who created it: the token's user; none for a trigger. */
  userId: number | undefined;
  script: RemoteScript;
  reads: number;
  status: string;
  webUrl: string;
}

/** A webhook with "Send Duo flow events" on, by its GitLab id. */
export interface FakeCallbackHook {
  url: string;
  /** The webhook's secret token, sent as X-Gitlab-Token. */
  token: string;
}

export interface FakeRemoteWork {
  flows: FakeFlow[];
  pipelines: FakePipeline[];
  callbackHooks: Map<number, FakeCallbackHook>;
  /** Makes the flow's next status read answer `finished`. */
  finish(flow: FakeFlow): void;
  /** Sends a flow event to the flow's callback webhook, as GitLab's
   * Ai::Messaging::WebhookDeliveryWorker does; answers the status. */
  sendCallback(flow: FakeFlow, event: string): Promise<number>;
  /** Users without a GitLab Duo seat: the Flows API answers them 403. */
  seatless: Set<number>;
  /** Scripts for the next flows, one each; then `defaultScript`. */
  scriptFlows(...scripts: RemoteScript[]): void;
  scriptPipelines(...scripts: RemoteScript[]): void;
}

export interface FakeProjectOptions {
  id: number;
  path: string;
  defaultBranch?: string;
  /** The pipeline trigger token the project accepts. */
  triggerToken: string;
}

const DEFAULT_SCRIPT: RemoteScript = { statuses: ["running", "finished"] };
const MARKER = /Flowgate run \d+, request [\w-]+/;
const DEFAULT_PIPELINE: RemoteScript = { statuses: ["running", "success"] };

/**
 * The remote executors' GitLab, over the fake core: the Flows API (201
 * with the new flow; 403 for a user without a Duo seat), a flow's
 * status over GraphQL answering its script read by read, the merge
 * requests list (by source branch, state and creation time), pipeline
 * creation (the trigger API, and `POST …/pipeline` with file variables)
 * and pipeline reads, a flow's stop and a pipeline's cancel. A flow that reaches `finished`
 * opens a merge request as GitLab's Developer flow does: from a branch
 * of its own (`workloads/<hash>`), never from the `source_branch` it
 * was started from; its description carries the goal's marker line (or
 * what the script says). A pipeline that reaches `success` opens one
 * from FLOWGATE_SOURCE_BRANCH, as the documented job does.
 */
export function addFlowRoutes(
  fake: FakeGitLab,
  project: FakeProjectOptions,
): FakeRemoteWork {
  const flows: FakeFlow[] = [];
  const pipelines: FakePipeline[] = [];
  const flowScripts: RemoteScript[] = [];
  const pipelineScripts: RemoteScript[] = [];
  const seatless = new Set<number>();
  const callbackHooks = new Map<number, FakeCallbackHook>();
  const defaultBranch = project.defaultBranch ?? "main";
  const projectPath = `/api/v4/projects/${project.id}`;

  const accessOf = (user: FakeGitLabUser | undefined) =>
    user?.access[project.id] ?? 0;
  // When each merge request was made, for `created_after`; those made
  // by other routes count as made before any flow.
  const createdAt = new Map<number, Date>();

  const openMergeRequest = (
    sourceBranch: string,
    title: string,
    description = "",
  ) => {
    const own = fake.state.mergeRequests.filter(
      (one) => one.project_id === project.id,
    );
    const iid = Math.max(0, ...own.map((one) => one.iid)) + 1;
    const mergeRequest: FakeMergeRequest = {
      id: fake.state.nextId++,
      iid,
      project_id: project.id,
      title,
      description,
      source_branch: sourceBranch,
      target_branch: defaultBranch,
      state: "opened",
      draft: true,
      web_url: `${fake.url}/${project.path}/-/merge_requests/${iid}`,
      labels: [],
      notes: [],
    };
    fake.state.mergeRequests.push(mergeRequest);
    createdAt.set(mergeRequest.id, new Date());
  };

  /** What a finished flow opens, from its working branch. */
  const openFlowMergeRequest = (flow: FakeFlow) => {
    const says = flow.script.mergeRequestSays ?? "marker";
    const reference = ticketReference(flow.body);
    const session = `${fake.url}/${project.path}/-/automate/agent-sessions/${flow.id}`;
    const description =
      says === "marker"
        ? `Implements the ticket.\n\n${MARKER.exec(String(flow.body.goal))?.[0] ?? ""}`
        : says === "session_link"
          ? `Opened by the GitLab Duo session ${session}.`
          : "Implements the ticket.";
    openMergeRequest(
      flow.workloadBranch,
      `Draft: ${reference}: Work of flow ${flow.id}`,
      description,
    );
  };

  /** One status read: the script's next status, and its side effect. */
  const advance = (
    work: FakeFlow | FakePipeline,
    succeeded: string,
    open: () => void,
  ) => {
    const { statuses } = work.script;
    const next = statuses[Math.min(work.reads, statuses.length - 1)];
    work.reads += 1;
    if (next && next !== work.status && next === succeeded) {
      if (work.script.opensMergeRequest !== false) open();
    }
    work.status = next ?? work.status;
  };

  fake.route({
    method: "POST",
    pattern: /^\/api\/v4\/ai\/duo_workflows\/workflows$/,
    handle: ({ request, user }) => {
      if (!user) return { status: 401, body: { message: "401 Unauthorized" } };
      if (seatless.has(user.id)) {
        return { status: 403, body: { message: "403 Forbidden" } };
      }
      const body = (request.json ?? {}) as Record<string, any>;
      if (String(body.project_id) !== String(project.id)) {
        return { status: 404, body: { message: "404 Project Not Found" } };
      }
      if (accessOf(user) < DEVELOPER) {
        return { status: 403, body: { message: "403 Forbidden" } };
      }
      if (typeof body.goal !== "string" || body.goal === "") {
        return { status: 400, body: { error: "goal is missing" } };
      }
      if (
        body.callback_hook_id !== undefined &&
        !callbackHooks.has(Number(body.callback_hook_id))
      ) {
        return {
          status: 400,
          body: {
            message:
              "400 Bad request - callback_hook_id does not reference a " +
              "webhook with Duo flow callbacks enabled in this project or " +
              "its ancestor groups",
          },
        };
      }
      const id = fake.state.nextId++;
      const flow: FakeFlow = {
        id,
        projectId: project.id,
        userId: user.id,
        body,
        workloadBranch: `workloads/${(0xa11ce000 + id).toString(16)}`,
        script: flowScripts.shift() ?? DEFAULT_SCRIPT,
        reads: 0,
        status: "created",
      };
      flows.push(flow);
      return {
        status: 201,
        body: {
          ...flowJson(flow),
          workload: { id: fake.state.nextId++, message: "Workload started" },
        },
      };
    },
  });

  fake.route({
    method: "POST",
    pattern: /^\/api\/graphql$/,
    handle: ({ request, user }) => {
      const answer = execute(
        request.json ?? {},
        {
          query: {
            duoWorkflowWorkflows: (args) =>
              workflowConnection(args, user, flows, (flow) => {
                if (flow.stoppedByApi) return;
                advance(flow, "finished", () => openFlowMergeRequest(flow));
              }),
          },
          mutation: {},
        },
        { code: "graphqlParseError" },
      );
      return answer;
    },
  });

  addFlowStopRoute(fake, flows, accessOf);

  fake.route({
    method: "GET",
    pattern: new RegExp(`^${projectPath}/merge_requests$`),
    handle: ({ url, user }) => {
      if (accessOf(user) < REPORTER) {
        return { status: 404, body: { message: "404 Project Not Found" } };
      }
      const branch = url.searchParams.get("source_branch");
      const state = url.searchParams.get("state") ?? "all";
      const after = url.searchParams.get("created_after");
      const since = after === null ? undefined : new Date(after);
      const found = fake.state.mergeRequests
        .filter((one) => one.project_id === project.id)
        .filter((one) => branch === null || one.source_branch === branch)
        .filter((one) => state === "all" || one.state === state)
        .filter(
          (one) => since === undefined || (createdAt.get(one.id) ?? 0) >= since,
        )
        .sort((a, b) => b.iid - a.iid);
      return { status: 200, body: found.map(({ notes: _, ...one }) => one) };
    },
  });

  fake.route({
    method: "POST",
    pattern: new RegExp(`^${projectPath}/trigger/pipeline$`),
    // GitLab authenticates a trigger by its token in the body.
    public: true,
    handle: ({ request }) => {
      const sent = triggerInput(request);
      if (sent.token !== project.triggerToken) {
        return { status: 404, body: { message: "404 Not Found" } };
      }
      if (!sent.ref) return { status: 400, body: { error: "ref is missing" } };
      const id = fake.state.nextId++;
      const pipeline: FakePipeline = {
        id,
        projectId: project.id,
        ref: sent.ref,
        source: "trigger",
        variables: sent.variables,
        variableTypes: Object.fromEntries(
          Object.keys(sent.variables).map((key) => [key, "env_var"]),
        ),
        userId: undefined,
        script: pipelineScripts.shift() ?? DEFAULT_PIPELINE,
        reads: 0,
        status: "created",
        webUrl: `${fake.url}/${project.path}/-/pipelines/${id}`,
      };
      pipelines.push(pipeline);
      return { status: 201, body: pipelineJson(pipeline) };
    },
  });

  // `POST /projects/:id/pipeline`: as the token's user (Developer), with
  // `variables: [{key, value, variable_type}]`; 400 without a ref.
  fake.route({
    method: "POST",
    pattern: new RegExp(`^${projectPath}/pipeline$`),
    handle: ({ request, user }) => {
      if (accessOf(user) < REPORTER) {
        return { status: 404, body: { message: "404 Project Not Found" } };
      }
      if (accessOf(user) < DEVELOPER) {
        return { status: 403, body: { message: "403 Forbidden" } };
      }
      const body = (request.json ?? {}) as Record<string, any>;
      if (typeof body.ref !== "string" || body.ref === "") {
        return { status: 400, body: { error: "ref is missing" } };
      }
      const sent = Array.isArray(body.variables) ? body.variables : [];
      const badType = sent.find(
        (one: any) =>
          one.variable_type !== undefined &&
          one.variable_type !== "env_var" &&
          one.variable_type !== "file",
      );
      if (badType) {
        return {
          status: 400,
          body: { message: { variable_type: ["is not included in the list"] } },
        };
      }
      const id = fake.state.nextId++;
      const pipeline: FakePipeline = {
        id,
        projectId: project.id,
        ref: body.ref,
        source: "api",
        variables: Object.fromEntries(
          sent.map((one: any) => [String(one.key), String(one.value)]),
        ),
        variableTypes: Object.fromEntries(
          sent.map((one: any) => [
            String(one.key),
            String(one.variable_type ?? "env_var"),
          ]),
        ),
        userId: user?.id,
        script: pipelineScripts.shift() ?? DEFAULT_PIPELINE,
        reads: 0,
        status: "created",
        webUrl: `${fake.url}/${project.path}/-/pipelines/${id}`,
      };
      pipelines.push(pipeline);
      return { status: 201, body: pipelineJson(pipeline) };
    },
  });

  fake.route({
    method: "GET",
    pattern: new RegExp(`^${projectPath}/pipelines$`),
    handle: ({ url, user }) => {
      if (accessOf(user) < REPORTER) {
        return { status: 404, body: { message: "404 Project Not Found" } };
      }
      const ref = url.searchParams.get("ref");
      const source = url.searchParams.get("source");
      const found = pipelines
        .filter((one) => ref === null || one.ref === ref)
        .filter((one) => source === null || one.source === source)
        .sort((a, b) => b.id - a.id);
      return { status: 200, body: found.map(pipelineJson) };
    },
  });

  fake.route({
    method: "GET",
    pattern: new RegExp(`^${projectPath}/pipelines/(\\d+)(/variables)?$`),
    handle: ({ match, user }) => {
      const pipeline = pipelines.find((one) => one.id === Number(match[1]));
      if (accessOf(user) < REPORTER || !pipeline) {
        return { status: 404, body: { message: "404 Not Found" } };
      }
      if (match[2]) {
        const variables = Object.entries(pipeline.variables).map(
          ([key, value]) => ({
            key,
            value,
            variable_type: pipeline.variableTypes[key] ?? "env_var",
          }),
        );
        return { status: 200, body: variables };
      }
      if (!pipeline.canceledByApi) {
        advance(pipeline, "success", () =>
          openMergeRequest(
            pipeline.variables.FLOWGATE_SOURCE_BRANCH ?? "",
            `Work of ${pipeline.id}`,
          ),
        );
      }
      return { status: 200, body: pipelineJson(pipeline) };
    },
  });

  // GitLab's "Cancel pipeline": 201 with the pipeline, Developer needed.
  fake.route({
    method: "POST",
    pattern: new RegExp(`^${projectPath}/pipelines/(\\d+)/cancel$`),
    handle: ({ match, user }) => {
      const pipeline = pipelines.find((one) => one.id === Number(match[1]));
      if (accessOf(user) < REPORTER || !pipeline) {
        return { status: 404, body: { message: "404 Not Found" } };
      }
      if (accessOf(user) < DEVELOPER) {
        return { status: 403, body: { message: "403 Forbidden" } };
      }
      pipeline.canceledByApi = true;
      pipeline.status = "canceled";
      return { status: 201, body: pipelineJson(pipeline) };
    },
  });

  const sendCallback = async (flow: FakeFlow, event: string) => {
    const hook = callbackHooks.get(Number(flow.body.callback_hook_id));
    if (!hook) throw new Error(`flow ${flow.id} has no callback webhook`);
    const eventId = `${flow.id}-${event}-event`;
    const answer = await fetch(hook.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-gitlab-event": "Duo Flow Callback",
        "x-gitlab-token": hook.token,
        "idempotency-key": eventId,
      },
      body: JSON.stringify({
        object_kind: "duo_workflow",
        version: "1",
        event,
        event_id: eventId,
        ...(flow.body.client_reference
          ? { client_reference: flow.body.client_reference }
          : {}),
        ...(event === "flow.completed" ? { result: { message: "Done" } } : {}),
        project: { id: project.id, path_with_namespace: project.path },
        workflow: {
          id: flow.id,
          status: flow.status,
          web_url: `${fake.url}/${project.path}/-/automate/agent-sessions/${flow.id}`,
        },
      }),
    });
    await answer.arrayBuffer();
    return answer.status;
  };

  return {
    flows,
    pipelines,
    seatless,
    callbackHooks,
    finish: (flow) => {
      const { statuses } = flow.script;
      flow.script = {
        ...flow.script,
        statuses: [...statuses.slice(0, flow.reads), "finished"],
      };
    },
    sendCallback,
    scriptFlows: (...scripts) => {
      flowScripts.push(...scripts);
    },
    scriptPipelines: (...scripts) => {
      pipelineScripts.push(...scripts);
    },
  };
}

/** `duoWorkflowWorkflows`: one flow by `workflowId` (a status read), or
 * a project's newest by `projectPath`; a user sees only its own. */
function workflowConnection(
  args: Record<string, unknown>,
  user: FakeGitLabUser | undefined,
  flows: FakeFlow[],
  read: (flow: FakeFlow) => void,
): Resolved {
  const own = flows.filter((flow) => flow.userId === user?.id);
  let nodes: FakeFlow[];
  if (typeof args.workflowId === "string") {
    nodes = own.filter(
      (flow) => `${WORKFLOW_GID}${flow.id}` === args.workflowId,
    );
    nodes.forEach(read);
  } else {
    const first = typeof args.first === "number" ? args.first : 100;
    nodes = [...own].sort((a, b) => b.id - a.id).slice(0, first);
  }
  return {
    __typename: "DuoWorkflowConnection",
    nodes: nodes.map((flow) => ({
      __typename: "DuoWorkflow",
      id: `${WORKFLOW_GID}${flow.id}`,
      status: flow.status.toUpperCase(),
      statusName: flow.status,
      humanStatus: flow.script.humanStatus ?? flow.status.replace(/_/g, " "),
      goal: String(flow.body.goal ?? ""),
      latestCheckpoint: {
        __typename: "DuoWorkflowEvent",
        errors: flow.status === "failed" ? (flow.script.errors ?? []) : [],
      },
    })),
  };
}

/** The trigger's `token`, `ref` and `variables`, sent as JSON or as a
 * form (`variables[KEY]=value`), as GitLab takes either. */
function triggerInput(request: RecordedGitLabRequest) {
  if (request.json) {
    const body = request.json as Record<string, any>;
    return {
      token: String(body.token ?? ""),
      ref: String(body.ref ?? ""),
      variables: { ...(body.variables ?? {}) } as Record<string, string>,
    };
  }
  const form = new URLSearchParams(request.body.toString("utf8"));
  const variables: Record<string, string> = {};
  for (const [name, value] of form) {
    const key = /^variables\[(.+)\]$/.exec(name)?.[1];
    if (key) variables[key] = value;
  }
  return {
    token: form.get("token") ?? "",
    ref: form.get("ref") ?? "",
    variables,
  };
}

function pipelineJson(pipeline: FakePipeline) {
  return {
    id: pipeline.id,
    iid: pipeline.id,
    project_id: pipeline.projectId,
    status: pipeline.status,
    source: pipeline.source,
    ref: pipeline.ref,
    web_url: pipeline.webUrl,
  };
}

/** The ticket's reference from a flow's additional context. */
function ticketReference(body: Record<string, any>): string {
  const [issue] = Array.isArray(body.additional_context)
    ? body.additional_context
    : [];
  try {
    return String(JSON.parse(issue?.Content ?? "{}").external_reference);
  } catch {
    return "unknown";
  }
}
