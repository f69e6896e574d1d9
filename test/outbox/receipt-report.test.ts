import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeModelServer } from "../fakes/fake-model-server.ts";
import { startOpenAiFake } from "../fakes/fake-openai.ts";
import { type FakeJira, startFakeJira } from "../fakes/jira-api.ts";
import { issueCreated } from "../fakes/jira-payloads.ts";
import {
  createTestDatabase,
  DATABASES,
  type TestDatabase,
  unavailable,
} from "../helpers/postgres.ts";
import type { CreatedTrigger } from "../helpers/test-server.ts";
import {
  jiraHeaders,
  type ProviderServer,
  startProviderServer,
} from "../sources/provider-server.ts";

// Issue 6's "on it within seconds of receipt": the project's only slot
// is held by a run whose model never answers, so a second ticket's run
// stays queued; its "on it" comment must still reach Jira within 2 s
// of the 202, written by the admission itself rather than by a worker.

const EMAIL = "flowgate-bot@acme.example";
const API_TOKEN = "ATATT3xFfGF0-receipt-token";
const MODEL_KEY = "sk-receipt-model-key-0123456789";

let fg: ProviderServer;
let jira: FakeJira;
let model: FakeModelServer;
let trigger: CreatedTrigger;
let database: TestDatabase | undefined;

async function until(check: () => boolean, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function open(key: string, to: CreatedTrigger = trigger) {
  const body = JSON.stringify(
    issueCreated({ key, summary: `Work on ${key}`, labels: ["flowgate"] }),
  );
  const answer = await fg.send(
    to,
    await jiraHeaders(to.signing_secret, body),
    body,
  );
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  return { runId: answer.body.id as number, acknowledgedAt: Date.now() };
}

const comments = (key: string) => jira.state.issues.get(key)?.comments ?? [];
const text = (key: string) => JSON.stringify(comments(key).map((c) => c.body));

describe.each(DATABASES)(
  "the on-it comment of a run that waits for a worker (%s)",
  (kind) => {
    if (unavailable(kind)) {
      it.skip("needs FLOWGATE_TEST_POSTGRES_URL");
      return;
    }
    beforeAll(async () => {
      jira = await startFakeJira({
        apiVersion: 3,
        authorization: `Basic ${Buffer.from(`${EMAIL}:${API_TOKEN}`).toString("base64")}`,
        user: { accountId: "712020:receipt-bot" },
        issues: ["BUSY-1", "WAIT-1", "OFF-1"].map((key) => ({
          key,
          status: "To Do",
        })),
      });
      model = await startOpenAiFake(MODEL_KEY);
      model.reply({ hang: true });
      database = kind === "postgres" ? await createTestDatabase() : undefined;
      fg = await startProviderServer({
        FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true",
        FLOWGATE_PROJECT_CONCURRENCY: "1",
        ...(database ? { FLOWGATE_DATABASE_URL: database.url } : {}),
      });
      trigger = await fg.trigger("jira", {
        label: "flowgate",
        credentials: { base_url: jira.url, email: EMAIL, api_token: API_TOKEN },
        model: {
          kind: "openai-compatible",
          name: "gpt-test",
          base_url: `${model.url}/v1`,
          api_key: MODEL_KEY,
        },
      });
    });
    afterAll(async () => {
      await fg.close();
      await model.close();
      await jira.close();
      await database?.drop();
    });

    it("reaches the ticket within two seconds while the project's slot is busy, and the start edits it", async () => {
      const busy = await open("BUSY-1");
      await fg.server.waitForRun(fg.projectId, busy.runId, ["running"]);
      await until(() => model.requests.length > 0, "the busy run's model call");

      const waiting = await open("WAIT-1");
      await until(() => comments("WAIT-1").length > 0, "WAIT-1's comment");
      expect(Date.now() - waiting.acknowledgedAt).toBeLessThan(2_000);
      expect((await fg.run(waiting.runId)).status).toBe("queued");
      expect(text("WAIT-1")).toContain("is queued");
      expect(text("WAIT-1")).toContain(`/workflows/runs/${waiting.runId}`);

      // Freeing the slot starts the waiting run, whose "started" message
      // edits the same comment instead of adding one.
      const canceled = await fg.server.admin(
        "POST",
        `/api/v4/projects/${fg.projectId}/workflows/runs/${busy.runId}/cancel`,
      );
      expect(canceled.status).toBe(200);
      // The canceled run tells its ticket, in its one comment.
      await until(
        () => text("BUSY-1").includes("was canceled"),
        "the cancel on BUSY-1",
      );
      expect(comments("BUSY-1")).toHaveLength(1);
      await until(() => text("WAIT-1").includes("started"), "the start");
      expect(comments("WAIT-1")).toHaveLength(1);
      expect(text("WAIT-1")).not.toContain("is queued");

      const messages = await fg.server.admin(
        "GET",
        `/api/v4/projects/${fg.projectId}/workflows/runs/${waiting.runId}/messages`,
      );
      expect(
        (messages.body as { event: string }[]).map((message) => message.event),
      ).toEqual(["queued", "started"]);

      await fg.server.admin(
        "POST",
        `/api/v4/projects/${fg.projectId}/workflows/runs/${waiting.runId}/cancel`,
      );
    });

    it("is not written when the trigger turns the queued event off", async () => {
      const quiet = await fg.trigger("jira", {
        label: "flowgate",
        credentials: { base_url: jira.url, email: EMAIL, api_token: API_TOKEN },
        sync: { on: { queued: false, started: false } },
      });
      const sent = await open("OFF-1", quiet);
      await fg.server.waitForRun(fg.projectId, sent.runId);

      const messages = await fg.server.admin(
        "GET",
        `/api/v4/projects/${fg.projectId}/workflows/runs/${sent.runId}/messages`,
      );
      const events = (messages.body as { event: string }[]).map(
        (message) => message.event,
      );
      expect(events).not.toContain("queued");
      expect(events).not.toContain("started");
      expect(events.length).toBeGreaterThan(0);
    });
  },
);
