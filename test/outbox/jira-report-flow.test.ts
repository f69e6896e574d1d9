import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeJira, startFakeJira } from "../fakes/jira-api.ts";
import { issueCreated } from "../fakes/jira-payloads.ts";
import {
  jiraHeaders,
  type ProviderServer,
  startProviderServer,
} from "../sources/provider-server.ts";

// Issue 6 end to end: a Jira webhook through the real server becomes a
// run whose progress reaches the (fake) Jira Cloud REST API: the "on it"
// comment within seconds, the merge request link, the transitions, and
// the outcome, with the comment edited in place.

const EMAIL = "flowgate-bot@acme.example";
const API_TOKEN = "ATATT3xFfGF0-jira-token-never-logged";
const BOT = { accountId: "712020:5b10ac8d82e05b22cc7d4ef5" };
const KEYS = ["SHOP-1", "SHOP-2"];

let fg: ProviderServer;
let jira: FakeJira;

beforeAll(async () => {
  jira = await startFakeJira({
    apiVersion: 3,
    authorization: `Basic ${Buffer.from(`${EMAIL}:${API_TOKEN}`).toString("base64")}`,
    user: BOT,
    issues: KEYS.map((key) => ({ key, status: "To Do" })),
  });
  fg = await startProviderServer({ FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" });
});
afterAll(async () => {
  await fg.close();
  await jira.close();
});

const commentText = (key: string) =>
  JSON.stringify(jira.state.issues.get(key)?.comments.map((c) => c.body));

async function until(check: () => boolean, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("a Jira ticket's run reported back to Jira", () => {
  it("comments within two seconds, links the merge request, transitions, and tells the merge", async () => {
    const trigger = await fg.trigger("jira", {
      label: "flowgate",
      credentials: {
        base_url: jira.url,
        email: EMAIL,
        api_token: API_TOKEN,
      },
      sync: {
        transitions: { merge_request_opened: "In Review", merged: "Done" },
      },
    });
    const body = JSON.stringify(
      issueCreated({
        key: "SHOP-1",
        summary: "Add OAuth",
        labels: ["flowgate"],
      }),
    );
    const answer = await fg.send(
      trigger,
      await jiraHeaders(trigger.signing_secret, body),
      body,
    );
    const acknowledgedAt = Date.now();
    expect(answer.status).toBe(202);

    await until(
      () => (jira.state.issues.get("SHOP-1")?.comments.length ?? 0) > 0,
      "the first comment",
    );
    expect(Date.now() - acknowledgedAt).toBeLessThan(2_000);

    const run = await fg.server.waitForRun(fg.projectId, answer.body.id);
    expect(run.status).toBe("succeeded");
    await until(
      () => commentText("SHOP-1").includes("ready for review"),
      "the outcome in the comment",
    );
    const issue = jira.state.issues.get("SHOP-1");
    expect(issue?.comments).toHaveLength(1);
    expect(commentText("SHOP-1")).toContain(`/workflows/runs/${run.id}`);
    expect(issue?.remoteLinks).toHaveLength(1);
    expect(issue?.remoteLinks[0]?.object.url).toContain("/-/merge_requests/");
    expect(issue?.status).toBe("In Review");

    const iid = (run.merge_request as { iid: number }).iid;
    const merged = await fg.server.admin(
      "POST",
      `/api/v4/projects/${fg.projectId}/merge_requests/${iid}/merge`,
    );
    expect(merged.status).toBe(200);
    await until(() => issue?.status === "Done", "the merged transition");
    await until(
      () => commentText("SHOP-1").includes("was merged"),
      "the merge in the comment",
    );
    expect(issue?.comments).toHaveLength(1);

    const timeline = (await fg.run(Number(run.id))).events as {
      name: string;
    }[];
    expect(timeline.filter((event) => event.name === "synced").length).toBe(
      // queued, started, opened (comment, link, transition), succeeded,
      // merged (comment, transition)
      8,
    );
    // The token went only into the Authorization header.
    for (const request of jira.requests) {
      expect(JSON.stringify(request.json ?? "")).not.toContain(API_TOKEN);
      expect(request.path).not.toContain(API_TOKEN);
    }
    expect(fg.server.logs.text).not.toContain(API_TOKEN);
  });

  it("keeps retrying through Jira's 500s and 429s and ends with one comment", async () => {
    const trigger = await fg.trigger("jira", {
      label: "flowgate",
      credentials: { base_url: jira.url, email: EMAIL, api_token: API_TOKEN },
    });
    const comments = { method: "POST", path: /\/issue\/SHOP-2\/comment$/ };
    jira.fault(comments, { status: 500 });
    jira.fault(comments, { status: 429, retryAfter: "1" });
    const body = JSON.stringify(
      issueCreated({
        key: "SHOP-2",
        summary: "Fix search",
        labels: ["flowgate"],
      }),
    );
    const answer = await fg.send(
      trigger,
      await jiraHeaders(trigger.signing_secret, body),
      body,
    );
    expect(answer.status).toBe(202);
    await fg.server.waitForRun(fg.projectId, answer.body.id);
    await until(
      () => commentText("SHOP-2").includes("ready for review"),
      "the outcome",
      20_000,
    );
    expect(jira.state.issues.get("SHOP-2")?.comments).toHaveLength(1);
    const messages = await fg.server.admin(
      "GET",
      `/api/v4/projects/${fg.projectId}/workflows/runs/${answer.body.id}/messages`,
    );
    // The first comment is the "on it" written with the delivery.
    expect(messages.body[0]).toMatchObject({
      event: "queued",
      action: "comment",
      status: "delivered",
      attempts: 3,
    });
  });
});
