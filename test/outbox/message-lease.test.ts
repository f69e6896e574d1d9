import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock.ts";
import { Dispatcher } from "../../src/outbox/dispatcher.ts";
import { type FakeJira, startFakeJira } from "../fakes/jira-api.ts";
import { issueCreated } from "../fakes/jira-payloads.ts";
import {
  jiraHeaders,
  type ProviderServer,
  startProviderServer,
} from "../sources/provider-server.ts";

// A message can take longer than its lease (a slow tracker, several
// calls in a row): the dispatcher sending it renews the lease, so a
// second dispatcher (another process, here another instance on the same
// database) never takes it mid-send and writes the comment again.

const EMAIL = "flowgate-bot@acme.example";
const API_TOKEN = "ATATT3xFfGF0-lease-token";
const LEASE_MS = 300;
const SLOW_WRITE_MS = 5 * LEASE_MS;

let fg: ProviderServer;
let jira: FakeJira;

beforeAll(async () => {
  jira = await startFakeJira({
    apiVersion: 3,
    authorization: `Basic ${Buffer.from(`${EMAIL}:${API_TOKEN}`).toString("base64")}`,
    user: { accountId: "712020:lease-bot" },
    issues: [{ key: "LEASE-1", status: "To Do" }],
  });
  // No worker and no dispatcher of its own: the run stays queued with
  // its "on it" message, which only the test's dispatchers send.
  fg = await startProviderServer({
    FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true",
    FLOWGATE_ROLE: "api",
  });
});
afterAll(async () => {
  await fg.close();
  await jira.close();
});

function dispatcher(): Dispatcher {
  const { app } = fg.server;
  return new Dispatcher({
    db: app.store.db,
    secretBox: app.secretBox,
    http: app.outbound,
    logger: app.logger,
    now: systemClock,
    leaseMs: LEASE_MS,
    pollMs: 20,
  });
}

async function messagesOf(runId: number) {
  const listed = await fg.server.admin(
    "GET",
    `/api/v4/projects/${fg.projectId}/workflows/runs/${runId}/messages`,
  );
  return listed.body as { status: string; attempts: number }[];
}

describe("a message sent for longer than its lease", () => {
  it("is sent once although a second dispatcher polls throughout", async () => {
    const trigger = await fg.trigger("jira", {
      label: "flowgate",
      credentials: { base_url: jira.url, email: EMAIL, api_token: API_TOKEN },
    });
    jira.fault(
      { method: "POST", path: /\/issue\/LEASE-1\/comment$/ },
      { delayMs: SLOW_WRITE_MS },
    );
    const dispatchers = [dispatcher(), dispatcher()];
    for (const each of dispatchers) each.start();

    try {
      const body = JSON.stringify(
        issueCreated({ key: "LEASE-1", summary: "Slow", labels: ["flowgate"] }),
      );
      const answer = await fg.send(
        trigger,
        await jiraHeaders(trigger.signing_secret, body),
        body,
      );
      expect(answer.status).toBe(202);

      const deadline = Date.now() + 10_000;
      let messages = await messagesOf(answer.body.id);
      while (messages[0]?.status !== "delivered" && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        messages = await messagesOf(answer.body.id);
      }
      expect(messages).toMatchObject([{ status: "delivered", attempts: 1 }]);
    } finally {
      await Promise.all(dispatchers.map((each) => each.stop()));
    }

    const writes = jira.requests.filter(
      (request) =>
        /\/comment(\/\d+)?$/.test(request.path) &&
        (request.method === "POST" || request.method === "PUT"),
    );
    expect(writes.map((request) => request.method)).toEqual(["POST"]);
    expect(jira.state.issues.get("LEASE-1")?.comments).toHaveLength(1);
  });
});
