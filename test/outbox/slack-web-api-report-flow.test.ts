import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReceivedRequest } from "../fakes/fault-server.ts";
import { type FakeSlack, startFakeSlack } from "../fakes/slack-api.ts";
import {
  appMention,
  BOT_USER,
  COMMAND_CHANNEL,
} from "../fakes/slack-payloads.ts";
import type { CreatedTrigger } from "../helpers/test-server.ts";
import {
  type ProviderServer,
  slackHeaders,
  startProviderServer,
} from "../sources/provider-server.ts";
import {
  type RefusingModel,
  startRefusingModel,
  untilDelivered,
} from "./report-flow.ts";

// Issue 6's acceptance for Slack's Web API, end to end: a signed
// app_mention through the real server becomes a run whose every message
// reaches the (fake) Web API as exactly the expected calls: one
// chat.postMessage in the mention's thread, then chat.update of that
// message for each later event.

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const BOT_TOKEN = "xoxb-17653672481-19874698323-flowgateflowreport";

let fg: ProviderServer;
let slack: FakeSlack;
let model: RefusingModel;
let offline: CreatedTrigger;
let failing: CreatedTrigger;

beforeAll(async () => {
  slack = await startFakeSlack({
    botToken: BOT_TOKEN,
    channels: [{ id: COMMAND_CHANNEL, joined: true }],
  });
  model = await startRefusingModel();
  fg = await startProviderServer({ FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" });
  const settings = {
    signing_secret: SECRET,
    bot_identity: BOT_USER,
    credentials: { bot_token: BOT_TOKEN, api_url: slack.apiUrl },
  };
  offline = await fg.trigger("slack", settings);
  failing = await fg.trigger("slack", { ...settings, model: model.settings });
});
afterAll(async () => {
  await fg.close();
  await slack.close();
  await model.fake.close();
});

/** A signed app_mention about `key`, in a message of its own `ts`. */
async function mention(trigger: CreatedTrigger, key: string, ts: string) {
  const payload = appMention(`<@${BOT_USER}> ${key} add retries`);
  const body = JSON.stringify({
    ...payload,
    event: { ...payload.event, ts, event_ts: ts },
  });
  const answer = await fg.send(trigger, slackHeaders(SECRET, body), body);
  expect(answer.status).toBe(200);
  return answer.body.id as number;
}

/** Each call as its method and what matters in its body. */
function summary(request: ReceivedRequest) {
  const body = request.body ?? {};
  const headline = String(body.text ?? "").split("\n")[0];
  return [
    `${request.method} ${request.path}`,
    `channel=${body.channel}`,
    body.thread_ts ? `thread_ts=${body.thread_ts}` : "",
    body.ts ? `ts=${body.ts}` : "",
    headline,
  ]
    .filter(Boolean)
    .join(" ");
}

/** The Web API messages posted in the mention's thread. */
const threadMessages = (thread: string) =>
  slack.messages(COMMAND_CHANNEL).filter((entry) => entry.threadTs === thread);

/** The bot token went only into the Authorization header. */
function expectBotToken(from: number) {
  for (const request of slack.requests.slice(from)) {
    expect(request.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(JSON.stringify(request.body)).not.toContain(BOT_TOKEN);
  }
  expect(fg.server.logs.text).not.toContain(BOT_TOKEN);
}

describe("a Slack mention's run reported back through the Web API", () => {
  it("posts a succeeded run's message once and updates it in place", async () => {
    const from = slack.requests.length;
    const thread = "1515449701.000100";
    const runId = await mention(offline, "WEB-1", thread);
    const run = await fg.server.waitForRun(fg.projectId, runId);
    expect(run.status).toBe("succeeded");
    // queued, started, opened, succeeded
    await untilDelivered(fg, runId, 4);

    const [posted, ...others] = threadMessages(thread);
    const { iid } = run.merge_request as { iid: number };
    const update = `POST /api/chat.update channel=${COMMAND_CHANNEL} ts=${posted?.ts}`;
    expect(slack.requests.slice(from).map(summary)).toEqual([
      `POST /api/chat.postMessage channel=${COMMAND_CHANNEL} thread_ts=${thread} *Flowgate is on it: run #${runId} is queued.*`,
      `${update} *Flowgate is on it: run #${runId} started.*`,
      `${update} *Flowgate opened a draft merge request for WEB-1.*`,
      `${update} *Flowgate finished: merge request !${iid} is ready for review.*`,
    ]);
    expect(others).toEqual([]);
    expect(posted?.edits).toBe(3);
    expect(posted?.text).toContain(run.web_url as string);
    expectBotToken(from);
  });

  it("posts a failed run's message once and updates it with the reason", async () => {
    const from = slack.requests.length;
    const thread = "1515449702.000100";
    const runId = await mention(failing, "WEB-2", thread);
    const run = await fg.server.waitForRun(fg.projectId, runId);
    expect(run.status).toBe("failed");
    // queued, started, failed
    await untilDelivered(fg, runId, 3);

    const [posted, ...others] = threadMessages(thread);
    const update = `POST /api/chat.update channel=${COMMAND_CHANNEL} ts=${posted?.ts}`;
    expect(slack.requests.slice(from).map(summary)).toEqual([
      `POST /api/chat.postMessage channel=${COMMAND_CHANNEL} thread_ts=${thread} *Flowgate is on it: run #${runId} is queued.*`,
      `${update} *Flowgate is on it: run #${runId} started.*`,
      `${update} *Flowgate's run #${runId} failed.*`,
    ]);
    expect(others).toEqual([]);
    expect(posted?.edits).toBe(2);
    expect(run.error).toContain(`POST ${model.endpoint} answered 401`);
    expect(posted?.text).toContain(
      `the openai-compatible model at ${model.endpoint} failed`,
    );
    expectBotToken(from);
  });
});
