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

// Issue 6's acceptance for Jira Data Center, end to end: an issue's
// webhook through the real server becomes a run whose every message
// reaches the (fake) REST API v2 as exactly the expected requests: one
// tracking comment in wiki text, created once and edited in place, one
// remote link to the merge request, and the transitions per event.

const PAT = "NjU4MjQ1OTc3NzQ0OjJ0ZXN0LXBhdC1uZXZlci1sb2dnZWQ";
const BOT = { name: "flowgate", key: "JIRAUSER10500" };
const SYNC = {
  transitions: {
    started: "In Progress",
    merge_request_opened: "In Review",
    failed: "To Do",
  },
};
const DC_USER = {
  self: "https://jira.acme.internal/rest/api/2/user?username=mkrystof",
  name: "mkrystof",
  key: "JIRAUSER10100",
  displayName: "Mia Krystof",
  active: true,
};

let fg: ProviderServer;
let jira: FakeJira;
let model: RefusingModel;
let offline: CreatedTrigger;
let failing: CreatedTrigger;

beforeAll(async () => {
  jira = await startFakeJira({
    apiVersion: 2,
    authorization: `Bearer ${PAT}`,
    user: BOT,
    issues: [
      { key: "OPS-1", status: "To Do" },
      { key: "OPS-2", status: "To Do" },
    ],
  });
  model = await startRefusingModel();
  fg = await startProviderServer({ FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" });
  const settings = {
    label: "flowgate",
    credentials: { base_url: jira.url, token: PAT },
    sync: SYNC,
  };
  offline = await fg.trigger("jira_dc", settings);
  failing = await fg.trigger("jira_dc", { ...settings, model: model.settings });
});
afterAll(async () => {
  await fg.close();
  await jira.close();
  await model.fake.close();
});

/** Data Center's issue_created for `key`, with the label: users by
 * name and key, and no webhook identifier header. */
async function createIssue(trigger: CreatedTrigger, key: string) {
  const payload = issueCreated({
    key,
    summary: `Fix ${key}`,
    description: "Keep the original name.",
    labels: ["flowgate"],
  });
  payload.issue.self = `https://jira.acme.internal/rest/api/2/issue/${payload.issue.id}`;
  const body = JSON.stringify({
    ...payload,
    user: { ...DC_USER, accountId: undefined },
  });
  const answer = await fg.send(
    trigger,
    await jiraHeaders(trigger.signing_secret, body, null),
    body,
  );
  expect(answer.status).toBe(202);
  return answer.body.id as number;
}

/** Each request as a line and what matters in its body: a comment's
 * headline, the link's URL, the transition's id. */
function summary(request: RecordedJiraRequest) {
  const body = (request.json ?? {}) as Record<string, any>;
  const said =
    typeof body.body === "string"
      ? body.body.split("\n")[0]
      : (body.object?.url ?? body.transition?.id);
  return `${request.method} ${request.path}${said ? ` ${String(said)}` : ""}`;
}

const issue = (key: string) => `/rest/api/2/issue/${key}`;

describe("a Jira Data Center issue's run reported back to Jira", () => {
  it("sends a succeeded run's comment, link and transitions, each once", async () => {
    const from = jira.requests.length;
    const runId = await createIssue(offline, "OPS-1");
    const run = await fg.server.waitForRun(fg.projectId, runId);
    expect(run.status).toBe("succeeded");
    // queued; started (comment, transition); opened (comment, link,
    // transition); succeeded
    await untilDelivered(fg, runId, 7);

    const state = jira.state.issues.get("OPS-1");
    const edit = `PUT ${issue("OPS-1")}/comment/${state?.comments[0]?.id}`;
    const { iid, web_url: url } = run.merge_request as {
      iid: number;
      web_url: string;
    };
    expect(jira.requests.slice(from).map(summary)).toEqual([
      `GET ${issue("OPS-1")}/comment?orderBy=-created&maxResults=100`,
      `POST ${issue("OPS-1")}/comment *Flowgate is on it: run #${runId} is queued.*`,
      `${edit} *Flowgate is on it: run #${runId} started.*`,
      `GET ${issue("OPS-1")}?fields=status`,
      `GET ${issue("OPS-1")}/transitions`,
      `POST ${issue("OPS-1")}/transitions 21`,
      `${edit} *Flowgate opened a draft merge request for OPS-1.*`,
      `POST ${issue("OPS-1")}/remotelink ${url}`,
      `GET ${issue("OPS-1")}?fields=status`,
      `GET ${issue("OPS-1")}/transitions`,
      `POST ${issue("OPS-1")}/transitions 31`,
      `${edit} *Flowgate finished: merge request \\!${iid} is ready for review.*`,
    ]);
    expect(state?.comments).toHaveLength(1);
    expect(state?.comments[0]?.body).toContain(`|${run.web_url as string}]`);
    expect(state?.remoteLinks).toHaveLength(1);
    expect(state?.remoteLinks[0]?.globalId).toBe(url);
    expect(state?.status).toBe("In Review");
    for (const request of jira.requests.slice(from)) {
      expect(request.headers.authorization).toBe(`Bearer ${PAT}`);
    }
  });

  it("sends a failed run's comment with the reason and its transitions, each once", async () => {
    const from = jira.requests.length;
    const runId = await createIssue(failing, "OPS-2");
    const run = await fg.server.waitForRun(fg.projectId, runId);
    expect(run.status).toBe("failed");
    // queued; started (comment, transition); failed (comment, transition)
    await untilDelivered(fg, runId, 5);

    const state = jira.state.issues.get("OPS-2");
    const edit = `PUT ${issue("OPS-2")}/comment/${state?.comments[0]?.id}`;
    expect(jira.requests.slice(from).map(summary)).toEqual([
      `GET ${issue("OPS-2")}/comment?orderBy=-created&maxResults=100`,
      `POST ${issue("OPS-2")}/comment *Flowgate is on it: run #${runId} is queued.*`,
      `${edit} *Flowgate is on it: run #${runId} started.*`,
      `GET ${issue("OPS-2")}?fields=status`,
      `GET ${issue("OPS-2")}/transitions`,
      `POST ${issue("OPS-2")}/transitions 21`,
      `${edit} *Flowgate's run #${runId} failed.*`,
      `GET ${issue("OPS-2")}?fields=status`,
      `GET ${issue("OPS-2")}/transitions`,
      `POST ${issue("OPS-2")}/transitions 11`,
    ]);
    expect(state?.comments).toHaveLength(1);
    expect(state?.remoteLinks).toEqual([]);
    expect(state?.status).toBe("To Do");
    expect(run.error).toContain(`POST ${model.endpoint} answered 401`);
    expect(state?.comments[0]?.body).toContain(
      `Reason: the openai-compatible model at ${model.endpoint} failed ` +
        `after 1 attempt: POST ${model.endpoint} answered 401`,
    );
  });
});
