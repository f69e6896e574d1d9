import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordedRequest } from "../fakes/api-fake-server.ts";
import { rootFields } from "../fakes/graphql-subset.ts";
import { type FakeLinear, startFakeLinear } from "../fakes/linear-api.ts";
import { labels, linearEvent, linearIssue } from "../fakes/linear-payloads.ts";
import type { CreatedTrigger } from "../helpers/test-server.ts";
import {
  linearHeaders,
  type ProviderServer,
  startProviderServer,
} from "../sources/provider-server.ts";
import {
  type RefusingModel,
  startRefusingModel,
  untilDelivered,
} from "./report-flow.ts";

// Issue 6's acceptance for Linear, end to end: a labelled issue's
// webhook through the real server becomes a run whose every message
// reaches the (fake) Linear GraphQL API as exactly the expected
// operations: one tracking comment, created once and edited in place,
// the merge request attached once, and the workflow state per event.

const SYNC = {
  transitions: {
    started: "In Progress",
    merge_request_opened: "In Review",
    failed: "Todo",
  },
};

let fg: ProviderServer;
let linear: FakeLinear;
let model: RefusingModel;
let offline: CreatedTrigger;
let failing: CreatedTrigger;

beforeAll(async () => {
  linear = await startFakeLinear();
  model = await startRefusingModel();
  fg = await startProviderServer({ FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" });
  const settings = {
    label: "flowgate",
    credentials: { api_key: linear.apiKey, api_url: linear.url },
    sync: SYNC,
  };
  offline = await fg.trigger("linear", settings);
  failing = await fg.trigger("linear", { ...settings, model: model.settings });
});
afterAll(async () => {
  await fg.close();
  await linear.close();
  await model.fake.close();
});

/** Creates issue ENG-`number` with the label, in Linear and by its
 * webhook; answers the new run's id. */
async function createIssue(trigger: CreatedTrigger, number: number) {
  linear.addIssue(`ENG-${number}`);
  const body = JSON.stringify(
    linearEvent(
      "create",
      "Issue",
      linearIssue({ number, labels: [labels.flowgate] }),
    ),
  );
  const answer = await fg.send(
    trigger,
    linearHeaders(trigger.signing_secret, body),
    body,
  );
  expect(answer.status).toBe(202);
  return answer.body.id as number;
}

/** Each request as its operation and the variables that matter: a
 * comment's headline, the attached URL, the state moved to by name. */
function summary(request: RecordedRequest) {
  const operation = rootFields(request.body);
  const { input = {}, id } = request.body?.variables ?? {};
  switch (operation) {
    case "commentCreate":
      return `${operation} ${input.issueId} ${headline(input.body)}`;
    case "commentUpdate":
      return `${operation} ${id} ${headline(input.body)}`;
    case "attachmentCreate":
      return `${operation} ${input.issueId} ${input.url} ${input.title}`;
    case "issueUpdate":
      return `${operation} ${id} ${linear.stateName(input.stateId)}`;
    default:
      return `${operation} ${request.body?.variables?.issue}`;
  }
}

const headline = (body: unknown) => String(body).split("\n")[0];

describe("a Linear issue's run reported back to Linear", () => {
  it("sends a succeeded run's comment, attachment and states, each once", async () => {
    const from = linear.requests.length;
    const runId = await createIssue(offline, 401);
    const run = await fg.server.waitForRun(fg.projectId, runId);
    expect(run.status).toBe("succeeded");
    // queued; started (comment, state); opened (comment, attachment,
    // state); succeeded
    await untilDelivered(fg, runId, 7);

    const [comment] = linear.comments("ENG-401");
    const mergeRequest = run.merge_request as { iid: number; web_url: string };
    expect(linear.requests.slice(from).map(summary)).toEqual([
      "issue ENG-401",
      `commentCreate ENG-401 **Flowgate is on it: run #${runId} is queued.**`,
      `commentUpdate ${comment?.id} **Flowgate is on it: run #${runId} started.**`,
      "issue ENG-401",
      "issueUpdate ENG-401 In Progress",
      `commentUpdate ${comment?.id} **Flowgate opened a draft merge request for ENG-401.**`,
      `attachmentCreate ENG-401 ${mergeRequest.web_url} Merge request !${mergeRequest.iid}`,
      "issue ENG-401",
      "issueUpdate ENG-401 In Review",
      `commentUpdate ${comment?.id} **Flowgate finished: merge request !${mergeRequest.iid} is ready for review.**`,
    ]);
    expect(linear.comments("ENG-401")).toHaveLength(1);
    expect(comment?.body).toContain(run.web_url as string);
    expect(linear.attachments("ENG-401")).toHaveLength(1);
    expect(linear.stateOf("ENG-401")).toBe("In Review");
    for (const request of linear.requests.slice(from)) {
      expect(request.headers.authorization).toBe(linear.apiKey);
    }
  });

  it("sends a failed run's comment with the reason and its states, each once", async () => {
    const from = linear.requests.length;
    const runId = await createIssue(failing, 402);
    const run = await fg.server.waitForRun(fg.projectId, runId);
    expect(run.status).toBe("failed");
    // queued; started (comment, state); failed (comment, state)
    await untilDelivered(fg, runId, 5);

    const [comment] = linear.comments("ENG-402");
    expect(linear.requests.slice(from).map(summary)).toEqual([
      "issue ENG-402",
      `commentCreate ENG-402 **Flowgate is on it: run #${runId} is queued.**`,
      `commentUpdate ${comment?.id} **Flowgate is on it: run #${runId} started.**`,
      "issue ENG-402",
      "issueUpdate ENG-402 In Progress",
      `commentUpdate ${comment?.id} **Flowgate's run #${runId} failed.**`,
      "issue ENG-402",
      "issueUpdate ENG-402 Todo",
    ]);
    expect(linear.comments("ENG-402")).toHaveLength(1);
    expect(linear.attachments("ENG-402")).toEqual([]);
    expect(linear.stateOf("ENG-402")).toBe("Todo");
    // Markdown escapes the reason's underscores: matched up to the
    // status.
    expect(run.error).toContain(`POST ${model.endpoint} answered 401`);
    expect(comment?.body).toContain(
      `Reason: the openai-compatible model at ${model.endpoint} failed ` +
        `after 1 attempt: POST ${model.endpoint} answered 401`,
    );
  });
});
