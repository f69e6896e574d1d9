import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FakeJira,
  type RecordedJiraRequest,
  startFakeJira,
} from "../fakes/jira-api.ts";
import { issueCreated } from "../fakes/jira-payloads.ts";
import type { CreatedTrigger } from "../helpers/test-server.ts";
import {
  jiraHeaders,
  type ProviderServer,
  startProviderServer,
} from "../sources/provider-server.ts";
import {
  type RefusingModel,
  startRefusingModel,
  untilDelivered,
} from "./report-flow.ts";

// Issue 6's acceptance for Jira Cloud, end to end: an issue's webhook
// through the real server becomes a run whose every message reaches the
// (fake) REST API v3 as exactly the expected requests: one tracking
// comment in ADF, looked for by its marker, created once and edited in
// place, one remote link keyed by the merge request's URL, and the
// transitions per event, each after reading the issue's status.

const EMAIL = "flowgate-bot@acme.example";
const API_TOKEN = "ATATT3xFfGF0-cloud-flow-token-never-logged";
const BOT = { accountId: "712020:5b10ac8d82e05b22cc7d4ef5" };
const SYNC = {
  transitions: {
    started: "In Progress",
    merge_request_opened: "In Review",
    failed: "To Do",
  },
};

let fg: ProviderServer;
let jira: FakeJira;
let model: RefusingModel;
let offline: CreatedTrigger;
let failing: CreatedTrigger;

beforeAll(async () => {
  jira = await startFakeJira({
    apiVersion: 3,
    authorization: `Basic ${Buffer.from(`${EMAIL}:${API_TOKEN}`).toString("base64")}`,
    user: BOT,
    issues: [
      { key: "CLD-1", status: "To Do" },
      { key: "CLD-2", status: "To Do" },
    ],
  });
  model = await startRefusingModel();
  fg = await startProviderServer({ FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" });
  const settings = {
    label: "flowgate",
    credentials: { base_url: jira.url, email: EMAIL, api_token: API_TOKEN },
    sync: SYNC,
  };
  offline = await fg.trigger("jira", settings);
  failing = await fg.trigger("jira", { ...settings, model: model.settings });
});
afterAll(async () => {
  await fg.close();
  await jira.close();
  await model.fake.close();
});

/** Cloud's jira:issue_created for `key`, with the label. */
async function createIssue(trigger: CreatedTrigger, key: string) {
  const body = JSON.stringify(
    issueCreated({
      key,
      summary: `Fix ${key}`,
      description: "Keep the original name.",
      labels: ["flowgate"],
    }),
  );
  const answer = await fg.send(
    trigger,
    await jiraHeaders(trigger.signing_secret, body),
    body,
  );
  expect(answer.status).toBe(202);
  return answer.body.id as number;
}

/** The text of an ADF document's first block: the comment's headline. */
function headline(document: unknown): string {
  const first = (document as { content?: unknown[] }).content?.[0];
  const texts: string[] = [];
  const walk = (node: any) => {
    if (typeof node?.text === "string") texts.push(node.text);
    for (const child of node?.content ?? []) walk(child);
  };
  walk(first);
  return texts.join("");
}

/** Each request as a line and what matters in its body: a comment's
 * headline, the link's globalId and URL, the transition's id. */
function summary(request: RecordedJiraRequest) {
  const body = (request.json ?? {}) as Record<string, any>;
  let said: string | undefined;
  if (body.body !== undefined) said = headline(body.body);
  else if (body.object) said = `${body.globalId} ${body.object.url}`;
  else if (body.transition) said = String(body.transition.id);
  return `${request.method} ${request.path}${said ? ` ${said}` : ""}`;
}

const issue = (key: string) => `/rest/api/3/issue/${key}`;

describe("a Jira Cloud issue's run reported back to Jira", () => {
  it("sends a succeeded run's comment, link and transitions, each once", async () => {
    const from = jira.requests.length;
    const runId = await createIssue(offline, "CLD-1");
    const run = await fg.server.waitForRun(fg.projectId, runId);
    expect(run.status).toBe("succeeded");
    // queued; started (comment, transition); opened (comment, link,
    // transition); succeeded
    await untilDelivered(fg, runId, 7);

    const state = jira.state.issues.get("CLD-1");
    const edit = `PUT ${issue("CLD-1")}/comment/${state?.comments[0]?.id}`;
    const { iid, web_url: url } = run.merge_request as {
      iid: number;
      web_url: string;
    };
    expect(jira.requests.slice(from).map(summary)).toEqual([
      `GET ${issue("CLD-1")}/comment?orderBy=-created&maxResults=100`,
      `POST ${issue("CLD-1")}/comment Flowgate is on it: run #${runId} is queued.`,
      `${edit} Flowgate is on it: run #${runId} started.`,
      `GET ${issue("CLD-1")}?fields=status`,
      `GET ${issue("CLD-1")}/transitions`,
      `POST ${issue("CLD-1")}/transitions 21`,
      `${edit} Flowgate opened a draft merge request for CLD-1.`,
      `POST ${issue("CLD-1")}/remotelink ${url} ${url}`,
      `GET ${issue("CLD-1")}?fields=status`,
      `GET ${issue("CLD-1")}/transitions`,
      `POST ${issue("CLD-1")}/transitions 31`,
      `${edit} Flowgate finished: merge request !${iid} is ready for review.`,
    ]);
    expect(state?.comments).toHaveLength(1);
    expect(JSON.stringify(state?.comments[0]?.body)).toContain(
      run.web_url as string,
    );
    expect(state?.remoteLinks).toHaveLength(1);
    expect(state?.remoteLinks[0]?.globalId).toBe(url);
    expect(state?.status).toBe("In Review");
    for (const request of jira.requests.slice(from)) {
      expect(request.headers.authorization).toMatch(/^Basic /);
      expect(JSON.stringify(request.json ?? "")).not.toContain(API_TOKEN);
    }
    expect(fg.server.logs.text).not.toContain(API_TOKEN);
  });

  it("sends a failed run's comment with the reason and its transitions, each once", async () => {
    const from = jira.requests.length;
    const runId = await createIssue(failing, "CLD-2");
    const run = await fg.server.waitForRun(fg.projectId, runId);
    expect(run.status).toBe("failed");
    // queued; started (comment, transition); failed (comment, transition)
    await untilDelivered(fg, runId, 5);

    const state = jira.state.issues.get("CLD-2");
    const edit = `PUT ${issue("CLD-2")}/comment/${state?.comments[0]?.id}`;
    expect(jira.requests.slice(from).map(summary)).toEqual([
      `GET ${issue("CLD-2")}/comment?orderBy=-created&maxResults=100`,
      `POST ${issue("CLD-2")}/comment Flowgate is on it: run #${runId} is queued.`,
      `${edit} Flowgate is on it: run #${runId} started.`,
      `GET ${issue("CLD-2")}?fields=status`,
      `GET ${issue("CLD-2")}/transitions`,
      `POST ${issue("CLD-2")}/transitions 21`,
      `${edit} Flowgate's run #${runId} failed.`,
      `GET ${issue("CLD-2")}?fields=status`,
      `GET ${issue("CLD-2")}/transitions`,
      `POST ${issue("CLD-2")}/transitions 11`,
    ]);
    expect(state?.comments).toHaveLength(1);
    expect(state?.remoteLinks).toEqual([]);
    expect(state?.status).toBe("To Do");
    expect(run.error).toContain(`POST ${model.endpoint} answered 401`);
    expect(JSON.stringify(state?.comments[0]?.body)).toContain(
      `the openai-compatible model at ${model.endpoint} failed`,
    );
  });
});
