import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordedRequest } from "../fakes/api-fake-server.ts";
import { type FakeGithub, startFakeGithub } from "../fakes/github-api.ts";
import { issuesEvent } from "../fakes/github-payloads.ts";
import type { CreatedTrigger } from "../helpers/test-server.ts";
import {
  githubHeaders,
  type ProviderServer,
  startProviderServer,
} from "../sources/provider-server.ts";
import {
  type RefusingModel,
  startRefusingModel,
  untilDelivered,
} from "./report-flow.ts";

// Issue 6's acceptance for GitHub, end to end: a labelled issue's
// delivery through the real server becomes a run whose every message
// reaches the (fake) GitHub REST API as exactly the expected requests:
// one tracking comment, created once and edited in place, the labels of
// each event, and the issue closed on merge.

const REPO = "/repos/acme/shop";
const SYNC = {
  labels: {
    started: ["flowgate:working"],
    succeeded: ["flowgate:ready"],
    failed: ["flowgate:failed"],
  },
  transitions: { merged: "closed" },
};

let fg: ProviderServer;
let github: FakeGithub;
let model: RefusingModel;
let offline: CreatedTrigger;
let failing: CreatedTrigger;

beforeAll(async () => {
  github = await startFakeGithub();
  model = await startRefusingModel();
  fg = await startProviderServer({ FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" });
  const settings = {
    label: "flowgate",
    credentials: { token: github.token, api_url: github.url },
    sync: SYNC,
  };
  offline = await fg.trigger("github", settings);
  failing = await fg.trigger("github", { ...settings, model: model.settings });
});
afterAll(async () => {
  await fg.close();
  await github.close();
  await model.fake.close();
});

/** Opens issue `number` with the label; answers the new run's id. */
async function openIssue(trigger: CreatedTrigger, number: number) {
  const body = JSON.stringify(
    issuesEvent("opened", {
      number,
      title: `Issue ${number}`,
      labels: ["flowgate"],
    }),
  );
  const answer = await fg.send(
    trigger,
    await githubHeaders(trigger.signing_secret, body, "issues"),
    body,
  );
  expect(answer.status).toBe(202);
  return answer.body.id as number;
}

/** Each request as a line and the part of its body that matters: a
 * comment's headline, the labels added, the state set. */
function summary(request: RecordedRequest) {
  const body = request.body ?? {};
  const said =
    typeof body.body === "string"
      ? body.body.split("\n")[0]
      : (body.labels ?? body.state);
  return `${request.method} ${request.path}${said ? ` ${String(said)}` : ""}`;
}

const comments = (number: number) => `${REPO}/issues/${number}/comments`;

describe("a GitHub issue's run reported back to GitHub", () => {
  it("sends a succeeded and merged run's comment, labels and close, each once", async () => {
    const from = github.requests.length;
    const runId = await openIssue(offline, 1);
    const run = await fg.server.waitForRun(fg.projectId, runId);
    expect(run.status).toBe("succeeded");
    const iid = (run.merge_request as { iid: number }).iid;
    const merged = await fg.server.admin(
      "POST",
      `/api/v4/projects/${fg.projectId}/merge_requests/${iid}/merge`,
    );
    expect(merged.status).toBe(200);
    // queued; started (comment, labels); opened; succeeded (comment,
    // labels); merged (comment, close)
    await untilDelivered(fg, runId, 8);

    const [comment] = github.issue("acme/shop#1").comments;
    const edit = `PATCH ${REPO}/issues/comments/${comment?.id}`;
    expect(github.requests.slice(from).map(summary)).toEqual([
      `GET ${comments(1)}?per_page=100&page=1`,
      `POST ${comments(1)} **Flowgate is on it: run #${runId} is queued.**`,
      `${edit} **Flowgate is on it: run #${runId} started.**`,
      `POST ${REPO}/issues/1/labels flowgate:working`,
      `${edit} **Flowgate opened a draft merge request for acme/shop#1.**`,
      `${edit} **Flowgate finished: merge request !${iid} is ready for review.**`,
      `POST ${REPO}/issues/1/labels flowgate:ready`,
      `${edit} **Merge request !${iid} was merged.**`,
      `PATCH ${REPO}/issues/1 closed`,
    ]);
    expect(github.issue("acme/shop#1")).toMatchObject({
      state: "closed",
      state_reason: "completed",
      labels: ["flowgate:working", "flowgate:ready"],
    });
    expect(github.issue("acme/shop#1").comments).toHaveLength(1);
    expect(comment?.body).toContain(`/-/merge_requests/${iid}`);
    expect(comment?.body).toContain(
      `<!-- flowgate-run: ${run.web_url as string} -->`,
    );
    for (const request of github.requests.slice(from)) {
      expect(request.headers.authorization).toBe(`Bearer ${github.token}`);
    }
  });

  it("sends a failed run's comment with the reason and its labels, each once", async () => {
    const from = github.requests.length;
    const runId = await openIssue(failing, 2);
    const run = await fg.server.waitForRun(fg.projectId, runId);
    expect(run.status).toBe("failed");
    // queued; started (comment, labels); failed (comment, labels)
    await untilDelivered(fg, runId, 5);

    const [comment] = github.issue("acme/shop#2").comments;
    const edit = `PATCH ${REPO}/issues/comments/${comment?.id}`;
    expect(github.requests.slice(from).map(summary)).toEqual([
      `GET ${comments(2)}?per_page=100&page=1`,
      `POST ${comments(2)} **Flowgate is on it: run #${runId} is queued.**`,
      `${edit} **Flowgate is on it: run #${runId} started.**`,
      `POST ${REPO}/issues/2/labels flowgate:working`,
      `${edit} **Flowgate's run #${runId} failed.**`,
      `POST ${REPO}/issues/2/labels flowgate:failed`,
    ]);
    expect(github.issue("acme/shop#2")).toMatchObject({
      state: "open",
      labels: ["flowgate:working", "flowgate:failed"],
    });
    // The reason names the endpoint that refused; Markdown escapes its
    // underscores, so the comment is matched up to the status.
    expect(run.error).toContain(`POST ${model.endpoint} answered 401`);
    expect(comment?.body).toContain(
      `Reason: the openai-compatible model at ${model.endpoint} failed ` +
        `after 1 attempt: POST ${model.endpoint} answered 401`,
    );
  });
});
