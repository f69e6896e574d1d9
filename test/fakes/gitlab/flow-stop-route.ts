import type { FakeGitLab, FakeGitLabUser } from "./fake-gitlab.ts";
import type { FakeFlow } from "./flow-routes.ts";

const DEVELOPER = 30;
/** Statuses a flow cannot be stopped from: it has ended. */
const ENDED = new Set(["finished", "failed"]);

/** A flow as GitLab's REST API answers it (create, read, update). */
export function flowJson(flow: FakeFlow) {
  return {
    id: flow.id,
    project_id: flow.projectId,
    workflow_definition:
      flow.body.workflow_definition ?? "software_development",
    status: flow.status,
    environment: flow.body.environment ?? null,
    agent_privileges: flow.body.agent_privileges ?? [1, 2, 3, 4, 5, 6],
  };
}

/**
 * `PATCH /ai/duo_workflows/workflows/:id` with `status_event: "stop"`,
 * as GitLab's UpdateWorkflowStatusService answers it: 200 with the flow,
 * now `stopped` (also when it was stopped already); 400 "Can not stop
 * workflow that has status <status>" once it has finished or failed;
 * 404 for a flow the user did not start; 403 without the Developer
 * role. A script's `statusAtStop` is what the flow has become, unread,
 * by the time the stop arrives. A stopped flow's reads stay `stopped`.
 */
export function addFlowStopRoute(
  fake: FakeGitLab,
  flows: FakeFlow[],
  accessOf: (user: FakeGitLabUser | undefined) => number,
): void {
  fake.route({
    method: "PATCH",
    pattern: /^\/api\/v4\/ai\/duo_workflows\/workflows\/(\d+)$/,
    handle: ({ match, request, user }) => {
      const flow = flows.find((one) => one.id === Number(match[1]));
      if (!flow || flow.userId !== user?.id) {
        return { status: 404, body: { message: "404 Not found" } };
      }
      if (accessOf(user) < DEVELOPER) {
        return { status: 403, body: { message: "403 Forbidden" } };
      }
      const event = String(request.json?.status_event ?? "");
      if (event !== "stop") {
        return {
          status: 400,
          body: {
            message: `Can not update workflow status, unsupported event: ${event}`,
          },
        };
      }
      if (flow.script.statusAtStop && !flow.stoppedByApi) {
        flow.status = flow.script.statusAtStop;
      }
      if (ENDED.has(flow.status)) {
        const human = flow.status.replace(/_/g, " ");
        return {
          status: 400,
          body: { message: `Can not stop workflow that has status ${human}` },
        };
      }
      flow.stoppedByApi = true;
      flow.status = "stopped";
      return { status: 200, body: flowJson(flow) };
    },
  });
}
