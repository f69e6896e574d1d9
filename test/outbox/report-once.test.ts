import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CallbackReceiver,
  startCallbackReceiver,
} from "../fakes/callback-receiver.ts";
import {
  deliverTicket,
  type GitLabWorld,
  registerOnFlowgate,
  runWithEvents,
  startFlowgate,
  startGitLabWorld,
} from "../forges/gitlab/gitlab-fixture.ts";
import type { TestServer } from "../helpers/test-server.ts";

// A run's changes are told once (issue 6): a job's retry puts the run
// back to queued and starts it again, which must not send a second
// run.started; an admin's retry of the run is a new round that does.

const OPEN_MERGE_REQUEST = { method: "POST", path: /\/merge_requests$/ };

let world: GitLabWorld;
let server: TestServer;
let receiver: CallbackReceiver;
let secret = "";

beforeAll(async () => {
  world = await startGitLabWorld();
  server = await startFlowgate();
  receiver = await startCallbackReceiver(() => secret);
});
afterAll(async () => {
  await server.close();
  await receiver.close();
  await world.close();
});

async function projectWithCallback() {
  const project = await world.project();
  await registerOnFlowgate(server, world, project);
  const trigger = await server.createTrigger(project.id, {
    rate_limit: { limit: 0, window_s: 60 },
    sync: { callback_url: receiver.url },
  });
  secret = trigger.signing_secret;
  return { project, trigger };
}

const typesOf = (runId: number) =>
  receiver
    .accepted()
    .filter((entry) => entry.data.id === runId)
    .map((entry) => entry.type);

async function eventsOfMessages(projectId: number, runId: number) {
  const listed = await server.admin(
    "GET",
    `/api/v4/projects/${projectId}/workflows/runs/${runId}/messages`,
  );
  return (listed.body as { event: string }[]).map((message) => message.event);
}

describe("a run's reports across retries", () => {
  it("tells a job's retry nothing: one run.started for a job that failed once then succeeded", async () => {
    const { project, trigger } = await projectWithCallback();
    world.fake.fault(OPEN_MERGE_REQUEST, { status: 500 });

    const runId = await deliverTicket(server, project.id, trigger, {
      reference: "ONCE-1",
    });
    const run = await server.waitForRun(project.id, runId);
    expect(run.status).toBe("succeeded");
    const timeline = (await runWithEvents(server, project.id, runId)).events;
    const names = timeline.map((event: { name: string }) => event.name);
    expect(names).toContain("retry_scheduled");
    expect(names.filter((name: string) => name === "started")).toHaveLength(2);

    await receiver.waitFor(() => typesOf(runId).includes("run.succeeded"));
    expect(typesOf(runId)).toEqual([
      "run.started",
      "run.merge_request_opened",
      "run.succeeded",
    ]);
    expect(await eventsOfMessages(project.id, runId)).toEqual([
      "started",
      "merge_request_opened",
      "succeeded",
    ]);
  });

  it("tells an admin's retry of a canceled run again, as a new round", async () => {
    const { project, trigger } = await projectWithCallback();
    // GitLab is slow to open the merge request: time to cancel the run.
    world.fake.fault(OPEN_MERGE_REQUEST, { delayMs: 2_000 });

    const runId = await deliverTicket(server, project.id, trigger, {
      reference: "ONCE-2",
    });
    await receiver.waitFor(() => typesOf(runId).includes("run.started"));
    const canceled = await server.admin(
      "POST",
      `/api/v4/projects/${project.id}/workflows/runs/${runId}/cancel`,
    );
    expect(canceled.status).toBe(200);

    const retried = await server.admin(
      "POST",
      `/api/v4/projects/${project.id}/workflows/runs/${runId}/retry`,
    );
    expect(retried.status).toBe(201);
    expect((await server.waitForRun(project.id, runId)).status).toBe(
      "succeeded",
    );
    await receiver.waitFor(() => typesOf(runId).includes("run.succeeded"));
    expect(typesOf(runId)).toEqual([
      "run.started",
      "run.started",
      "run.merge_request_opened",
      "run.succeeded",
    ]);
  });
});
