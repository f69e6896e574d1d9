import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CallbackReceiver,
  startCallbackReceiver,
} from "../fakes/callback-receiver.ts";
import {
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

// A trigger's sync.callback_url is checked when it is saved, against the
// same outbound policy every send obeys, and its path (an incoming
// webhook's secret, for Slack-style URLs) never shows in what Flowgate
// records about a failed send.

const TRIGGERS = (projectId: number) =>
  `/api/v4/projects/${projectId}/workflows/triggers`;

describe("saving a callback URL without private targets allowed", () => {
  let strict: TestServer;
  let projectId: number;

  beforeAll(async () => {
    strict = await startTestServer();
    projectId = (await strict.createProject()).id;
  });
  afterAll(async () => {
    await strict.close();
  });

  it.each([
    ["http://hooks.example.com/flowgate", "must be an https URL"],
    ["https://127.0.0.1/hook", "loopback, private or link-local"],
    ["https://10.0.0.1/hook", "loopback, private or link-local"],
    ["https://169.254.169.254/latest/meta-data", "loopback, private"],
    ["https://[::1]/hook", "loopback, private or link-local"],
    ["https://localhost:8443/hook", "loopback, private or link-local"],
  ])("refuses %s with a 400 naming the field", async (url, problem) => {
    const answer = await strict.admin("POST", TRIGGERS(projectId), {
      source: "generic",
      sync: { callback_url: url },
    });
    expect(answer.status).toBe(400);
    const errors = answer.body.errors["sync.callback_url"] as string[];
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(problem);
    expect(errors[0]).toContain("FLOWGATE_OUTBOUND_ALLOW_HOSTS");
    expect(JSON.stringify(answer.body)).not.toContain(url);
  });

  it("accepts a public https URL, and refuses a change to http leaving it as it was", async () => {
    const url = "https://hooks.example.com/services/T000/B000/XXXX";
    const created = await strict.admin("POST", TRIGGERS(projectId), {
      source: "generic",
      sync: { callback_url: url },
    });
    expect(created.status).toBe(201);

    const path = `${TRIGGERS(projectId)}/${created.body.id}`;
    const changed = await strict.admin("PATCH", path, {
      sync: { callback_url: "http://hooks.example.com/flowgate" },
    });
    expect(changed.status).toBe(400);
    expect(Object.keys(changed.body.errors)).toEqual(["sync.callback_url"]);
    const read = await strict.admin("GET", path);
    expect(read.body.sync).toEqual({ callback_url: url });
  });
});

describe("a callback URL's path in what a failed send records", () => {
  const SECRET_PATH = "/services/T0SECRET/B0SECRET/xoxsecret";
  let server: TestServer;
  let receiver: CallbackReceiver;
  let secret = "";

  beforeAll(async () => {
    server = await startTestServer({
      env: { FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" },
    });
    receiver = await startCallbackReceiver(() => secret);
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  it("shows the origin only, in the message, the timeline and the logs", async () => {
    const projectId = (await server.createProject()).id;
    const trigger = await server.createTrigger(projectId, {
      sync: { callback_url: `${receiver.url}${SECRET_PATH}` },
    });
    secret = trigger.signing_secret;
    // Gone: the first callback gives up at once.
    receiver.fail({ status: 410 });

    const answer = await deliver(
      server,
      projectId,
      signGeneric(
        trigger.signing_secret,
        { title: "Secret hook", external_reference: "HOOK-1" },
        { token: trigger.token },
      ),
    );
    expect(answer.status).toBe(202);
    const runId = answer.body.id as number;
    await server.waitForRun(projectId, runId);
    await receiver.waitFor((received) => received.length >= 3);

    const messages = (
      await server.admin(
        "GET",
        `/api/v4/projects/${projectId}/workflows/runs/${runId}/messages`,
      )
    ).body as { status: string; last_error: string | null }[];
    const origin = new URL(receiver.url).origin;
    expect(messages[0]?.status).toBe("gave_up");
    expect(messages[0]?.last_error).toBe(`POST ${origin} answered 410`);

    const run = await server.admin(
      "GET",
      `/api/v4/projects/${projectId}/workflows/runs/${runId}`,
    );
    const recorded = JSON.stringify([messages, run.body, server.logs.text]);
    expect(recorded).toContain("sync_gave_up");
    expect(recorded).not.toContain("T0SECRET");
  });
});
