import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeFlow } from "../fakes/gitlab/flow-routes.ts";
import type { CreatedTrigger } from "../helpers/test-server.ts";
import {
  eventsNamed,
  type GitLabExecutorFixture,
  PROJECT_ID,
  runOf,
  sendTicket,
  startGitLabExecutorFixture,
} from "./gitlab-executor-fixture.ts";

// GitLab Duo flow callbacks (GitLab 19.4): a trigger naming a webhook
// with "Send Duo flow events" on starts flows with callback_hook_id;
// GitLab's callback to Flowgate's flow_events URL wakes the run's
// follower, which reads the status at once.

const HOOK_ID = 42;
const EVENTS_PATH = `/api/v4/projects/${PROJECT_ID}/gitlab/flow_events`;

let fixture: GitLabExecutorFixture;
let trigger: CreatedTrigger;
beforeAll(async () => {
  fixture = await startGitLabExecutorFixture();
  fixture.remote.callbackHooks.set(HOOK_ID, {
    url: `${fixture.server.url}${EVENTS_PATH}`,
    token: fixture.webhookSecret,
  });
  trigger = await fixture.server.createTrigger(PROJECT_ID, {
    executor: "gitlab_duo",
    workflows: { developer: { gitlab_duo: { callback_hook_id: HOOK_ID } } },
  });
});
afterAll(async () => fixture.close());

let tickets = 0;
async function startRun(): Promise<{ runId: number; flow: FakeFlow }> {
  tickets += 1;
  fixture.remote.scriptFlows({ statuses: ["running"] });
  const runId = await sendTicket(fixture.server, trigger, {
    external_reference: `HOOK-${tickets}`,
    title: "Export invoices as PDF",
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const flow = fixture.remote.flows.find(
      (one) => one.body.client_reference === `flowgate-run-${runId}`,
    );
    // Two reads: the follower now pauses 2 s, then 4 s, before its next.
    if (flow && flow.reads >= 2) return { runId, flow };
    if (Date.now() > deadline) throw new Error("the flow was never read");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function postEvent(body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${fixture.server.url}${EVENTS_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

describe("GitLab Duo flow callbacks", () => {
  it("starts the flow with the trigger's callback webhook and the run as client_reference", async () => {
    const { runId, flow } = await startRun();

    expect(flow.body).toMatchObject({
      callback_hook_id: HOOK_ID,
      client_reference: `flowgate-run-${runId}`,
    });
    fixture.remote.finish(flow);
    expect(await fixture.remote.sendCallback(flow, "flow.completed")).toBe(200);
    await fixture.server.waitForRun(PROJECT_ID, runId);
  });

  it("wakes the run's follower, which reads the finished flow at once", async () => {
    const { runId, flow } = await startRun();
    const readsBefore = flow.reads;

    fixture.remote.finish(flow);
    expect(await fixture.remote.sendCallback(flow, "flow.completed")).toBe(200);
    await fixture.server.waitForRun(PROJECT_ID, runId);
    const run = await runOf(fixture.server, runId);

    expect(run.status, run.error).toBe("succeeded");
    expect(flow.reads).toBe(readsBefore + 1);
    const finished = eventsNamed(run, "remote_status").find(
      (event) => event.details.status === "finished",
    );
    expect(finished?.details.after_callback).toBe("flow.completed");
    const audit = await fixture.server.admin(
      "GET",
      `/api/v4/projects/${PROJECT_ID}/workflows/audit_events`,
    );
    expect(JSON.stringify(audit.body)).toContain(
      "accepted GitLab Duo flow callback",
    );
  });

  it("refuses a callback without the project's webhook secret", async () => {
    const body = {
      object_kind: "duo_workflow",
      event: "flow.completed",
      client_reference: "flowgate-run-1",
      workflow: { id: 1 },
    };

    const missing = await postEvent(body);
    const wrong = await postEvent(body, { "x-gitlab-token": "not-the-secret" });

    expect(missing.status).toBe(401);
    expect(wrong.status).toBe(401);
  });

  it("ignores other events, and flows no run of the project started", async () => {
    const token = { "x-gitlab-token": fixture.webhookSecret };

    const push = await postEvent({ object_kind: "push" }, token);
    const foreign = await postEvent(
      {
        object_kind: "duo_workflow",
        event: "flow.completed",
        client_reference: "flowgate-run-1",
        workflow: { id: 999_999 },
      },
      token,
    );
    const notOurs = await postEvent(
      {
        object_kind: "duo_workflow",
        event: "flow.started",
        workflow: { id: 5 },
      },
      token,
    );
    const broken = await postEvent(
      { object_kind: "duo_workflow", event: "flow.started" },
      token,
    );

    expect(push.status).toBe(200);
    expect(await push.json()).toMatchObject({ status: "ignored" });
    expect(await foreign.json()).toMatchObject({
      status: "ignored",
      reason: "run 1 of this project did not start flow 999999",
    });
    expect(await notOurs.json()).toMatchObject({ status: "ignored" });
    expect(broken.status).toBe(400);
  });
});
