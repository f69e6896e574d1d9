import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProjectFrom } from "../agent/agent-fixture.ts";
import {
  type CallbackReceiver,
  startCallbackReceiver,
} from "../fakes/callback-receiver.ts";
import {
  type CreatedTrigger,
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

// Reporting back through `sync.callback_url` (issue 6), on the real
// server: each run change is one signed callback, sent once, in order,
// retried through faults, and visible with its attempts on the run.

let server: TestServer;
let receiver: CallbackReceiver;
let trigger: CreatedTrigger;
let projectId: number;
let secret = "";

beforeAll(async () => {
  server = await startTestServer({
    env: { FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" },
  });
  receiver = await startCallbackReceiver(() => secret);
  projectId = (await server.createProject()).id;
  trigger = await server.createTrigger(projectId, {
    sync: { callback_url: receiver.url },
  });
  secret = trigger.signing_secret;
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});

let tickets = 0;
async function send(reference = `CB-${++tickets}`) {
  const answer = await deliver(
    server,
    projectId,
    signGeneric(
      trigger.signing_secret,
      { title: `Ticket ${reference}`, external_reference: reference },
      { token: trigger.token },
    ),
  );
  expect(answer.status).toBe(202);
  return { reference, runId: answer.body.id as number, at: Date.now() };
}

const typesOf = (reference: string) =>
  receiver
    .accepted()
    .filter((entry) => entry.data.external_reference === reference)
    .map((entry) => entry.type);

async function messagesOf(runId: number) {
  const listed = await server.admin(
    "GET",
    `/api/v4/projects/${projectId}/workflows/runs/${runId}/messages`,
  );
  expect(listed.status).toBe(200);
  return listed.body as Record<string, any>[];
}

describe("a run's callbacks", () => {
  it("tell a succeeded run's story once each, signed, in order", async () => {
    const sent = await send();
    await server.waitForRun(projectId, sent.runId);
    await receiver.waitFor(() => typesOf(sent.reference).length === 3);

    expect(typesOf(sent.reference)).toEqual([
      "run.started",
      "run.merge_request_opened",
      "run.succeeded",
    ]);
    const mine = receiver.received.filter(
      (entry) => entry.data.external_reference === sent.reference,
    );
    expect(mine.every((entry) => entry.verified)).toBe(true);
    const succeeded = mine.at(-1);
    expect(succeeded?.data).toMatchObject({
      id: sent.runId,
      status: "succeeded",
      merge_request: { iid: expect.any(Number) },
    });
    expect(succeeded?.data.web_url).toContain(`/runs/${sent.runId}`);
    const messages = await messagesOf(sent.runId);
    expect(messages.map((message) => message.status)).toEqual([
      "delivered",
      "delivered",
      "delivered",
    ]);
  });

  it("sends the first one within two seconds of the acknowledgement", async () => {
    const sent = await send();
    await receiver.waitFor(
      () => typesOf(sent.reference).includes("run.started"),
      5_000,
    );
    const first = receiver.received.find(
      (entry) =>
        entry.data.external_reference === sent.reference &&
        entry.type === "run.started",
    );
    expect(first).toBeDefined();
    expect((first?.receivedAt ?? Infinity) - sent.at).toBeLessThan(2_000);
  });

  it("tells a merge through the merge request's merge", async () => {
    const sent = await send();
    const run = await server.waitForRun(projectId, sent.runId);
    const iid = (run.merge_request as { iid: number }).iid;
    const merged = await server.admin(
      "POST",
      `/api/v4/projects/${projectId}/merge_requests/${iid}/merge`,
    );
    expect(merged.status).toBe(200);

    await receiver.waitFor(() =>
      typesOf(sent.reference).includes("run.merged"),
    );
    expect(typesOf(sent.reference)).toEqual([
      "run.started",
      "run.merge_request_opened",
      "run.succeeded",
      "run.merged",
    ]);
  });

  it("retries 5xx, 429 with Retry-After and reset connections, delivering each once", async () => {
    receiver.fail(
      { status: 503, retryAfter: "1" },
      { reset: true },
      { status: 429, retryAfter: "1" },
    );
    const sent = await send();
    await server.waitForRun(projectId, sent.runId);
    await receiver.waitFor(() => typesOf(sent.reference).length === 3, 20_000);

    expect(typesOf(sent.reference)).toEqual([
      "run.started",
      "run.merge_request_opened",
      "run.succeeded",
    ]);
    const [started] = await messagesOf(sent.runId);
    expect(started).toMatchObject({ status: "delivered", attempts: 4 });
    const run = await server.admin(
      "GET",
      `/api/v4/projects/${projectId}/workflows/runs/${sent.runId}`,
    );
    const retries = (run.body.events as { name: string; details: any }[])
      .filter((event) => event.name === "sync_retry_scheduled")
      .map((event) => event.details);
    expect(retries).toHaveLength(3);
    expect(retries[0]).toMatchObject({
      event: "started",
      action: "callback",
      attempt: 1,
      error: expect.stringContaining("answered 503"),
    });
  });

  it("gives up on a refusal, says why, and sends again after an admin's retry", async () => {
    receiver.failAll({ status: 410 });
    const sent = await send();
    await server.waitForRun(projectId, sent.runId);
    const deadline = Date.now() + 10_000;
    let messages = await messagesOf(sent.runId);
    while (
      !(messages.length === 3 && messages.every((m) => m.status === "gave_up"))
    ) {
      if (Date.now() > deadline) throw new Error(JSON.stringify(messages));
      await new Promise((resolve) => setTimeout(resolve, 50));
      messages = await messagesOf(sent.runId);
    }
    // A refusal is not retried by itself: one attempt each.
    expect(messages[0]).toMatchObject({
      status: "gave_up",
      attempts: 1,
      last_error: expect.stringContaining("answered 410"),
    });
    expect(typesOf(sent.reference)).toEqual([]);
    receiver.failAll(undefined);

    for (const message of messages) {
      const retried = await server.admin(
        "POST",
        `/api/v4/projects/${projectId}/workflows/runs/${sent.runId}/messages/${message.id}/retry`,
      );
      expect(retried.status).toBe(201);
    }
    await receiver.waitFor(() => typesOf(sent.reference).length === 3);
    expect(typesOf(sent.reference)).toEqual([
      "run.started",
      "run.merge_request_opened",
      "run.succeeded",
    ]);
    const again = await server.admin(
      "POST",
      `/api/v4/projects/${projectId}/workflows/runs/${sent.runId}/messages/${messages[0]?.id}/retry`,
    );
    expect(again.status).toBe(409);
  });

  it("tells a failed run why it failed", async () => {
    const broken = await createProjectFrom(server, {
      ".flowgate/workflows.yml": "workflows: [not, a, map\n",
    });
    const brokenTrigger = await server.createTrigger(broken.id, {
      sync: { callback_url: receiver.url },
      signing_secret: trigger.signing_secret,
    });
    const answer = await deliver(
      server,
      broken.id,
      signGeneric(
        trigger.signing_secret,
        { title: "Broken", external_reference: "CB-FAIL" },
        { token: brokenTrigger.token },
      ),
    );
    expect(answer.status).toBe(202);
    const run = await server.waitForRun(broken.id, answer.body.id);
    expect(run.status).toBe("failed");

    await receiver.waitFor(() => typesOf("CB-FAIL").length === 2);
    expect(typesOf("CB-FAIL")).toEqual(["run.started", "run.failed"]);
    const failed = receiver
      .accepted()
      .find((entry) => entry.type === "run.failed");
    expect(failed?.data.error).toContain(".flowgate/workflows.yml");
  });
});

describe("a callback URL on a private address", () => {
  it("is refused when the trigger is saved, naming the setting that allows it", async () => {
    const strict = await startTestServer();
    const target = await startCallbackReceiver(() => "");
    try {
      const project = await strict.createProject();
      const created = await strict.admin(
        "POST",
        `/api/v4/projects/${project.id}/workflows/triggers`,
        { source: "generic", sync: { callback_url: target.url } },
      );
      expect(created.status).toBe(400);
      expect(created.body.errors["sync.callback_url"][0]).toContain(
        "FLOWGATE_OUTBOUND_ALLOW_PRIVATE",
      );
      expect(target.received).toHaveLength(0);
    } finally {
      await strict.close();
      await target.close();
    }
  });
});
