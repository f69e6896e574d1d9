import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeJira, startFakeJira } from "../fakes/jira-api.ts";
import { issueCreated } from "../fakes/jira-payloads.ts";
import {
  jiraHeaders,
  type ProviderServer,
  startProviderServer,
} from "../sources/provider-server.ts";

// An admin's retry of a comment that gave up, after later comments of
// the run were delivered, must not put the tracking comment back to
// what the old message said ("on it"): it ends superseded, visibly.

const EMAIL = "flowgate-bot@acme.example";
const API_TOKEN = "ATATT3xFfGF0-superseded-token";

let fg: ProviderServer;
let jira: FakeJira;

beforeAll(async () => {
  jira = await startFakeJira({
    apiVersion: 3,
    authorization: `Basic ${Buffer.from(`${EMAIL}:${API_TOKEN}`).toString("base64")}`,
    user: { accountId: "712020:superseded-bot" },
    issues: [{ key: "OLD-1", status: "To Do" }],
  });
  fg = await startProviderServer({ FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" });
});
afterAll(async () => {
  await fg.close();
  await jira.close();
});

interface Message {
  id: number;
  event: string;
  action: string;
  status: string;
}

async function messagesOf(runId: number): Promise<Message[]> {
  const listed = await fg.server.admin(
    "GET",
    `/api/v4/projects/${fg.projectId}/workflows/runs/${runId}/messages`,
  );
  return listed.body;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(JSON.stringify(value));
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("an admin's retry of an old comment", () => {
  it("is superseded by the newer comment already delivered, and sends nothing", async () => {
    const trigger = await fg.trigger("jira", {
      label: "flowgate",
      credentials: { base_url: jira.url, email: EMAIL, api_token: API_TOKEN },
    });
    // The "on it" comment is refused once and gives up; the later ones
    // go through.
    jira.fault(
      { method: "POST", path: /\/issue\/OLD-1\/comment$/ },
      { status: 403 },
    );
    const body = JSON.stringify(
      issueCreated({ key: "OLD-1", summary: "Old news", labels: ["flowgate"] }),
    );
    const answer = await fg.send(
      trigger,
      await jiraHeaders(trigger.signing_secret, body),
      body,
    );
    expect(answer.status).toBe(202);
    const runId = answer.body.id as number;
    await fg.server.waitForRun(fg.projectId, runId);
    const settled = await until(
      () => messagesOf(runId),
      (messages) =>
        messages.length > 0 &&
        messages.every((message) => message.status !== "pending"),
    );
    const onIt = settled.find((message) => message.event === "queued");
    expect(onIt?.status).toBe("gave_up");
    const comments = jira.state.issues.get("OLD-1")?.comments ?? [];
    expect(comments).toHaveLength(1);
    const final = JSON.stringify(comments[0]?.body);
    expect(final).toContain("ready for review");
    const requestsBefore = jira.requests.length;

    const retried = await fg.server.admin(
      "POST",
      `/api/v4/projects/${fg.projectId}/workflows/runs/${runId}/messages/${onIt?.id}/retry`,
    );
    expect(retried.status).toBe(201);
    const after = await until(
      () => messagesOf(runId),
      (messages) =>
        messages.find((message) => message.id === onIt?.id)?.status !==
        "pending",
    );

    const newestComment = settled
      .filter((message) => message.action === "comment")
      .at(-1);
    expect(after.find((message) => message.id === onIt?.id)?.status).toBe(
      "superseded",
    );
    expect(JSON.stringify(comments[0]?.body)).toBe(final);
    expect(jira.requests.length).toBe(requestsBefore);
    const run = await fg.run(runId);
    expect(
      run.events.filter(
        (event: { name: string }) => event.name === "sync_superseded",
      ),
    ).toMatchObject([
      {
        details: {
          message_id: onIt?.id,
          event: "queued",
          action: "comment",
          superseded_by: newestComment?.id,
        },
      },
    ]);
  });
});
