import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReceivedRequest } from "../fakes/fault-server.ts";
import {
  type FakeResponseUrl,
  type FakeSlack,
  startFakeSlack,
} from "../fakes/slack-api.ts";
import { COMMAND_CHANNEL, slashCommand } from "../fakes/slack-payloads.ts";
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

// Issue 6's acceptance for a slash command, end to end: the signed
// command's form through the real server becomes a run whose every
// message goes to the command's response_url (here the fake's, which
// `credentials.api_url` makes a Slack host): the first post adds one
// in-channel message, each later one replaces it. No bot token is set,
// since a response_url needs none.

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

let fg: ProviderServer;
let slack: FakeSlack;
let model: RefusingModel;
let offline: CreatedTrigger;
let failing: CreatedTrigger;

beforeAll(async () => {
  slack = await startFakeSlack({
    botToken: "xoxb-unused-by-response-url-posts",
    channels: [{ id: COMMAND_CHANNEL, joined: true }],
  });
  model = await startRefusingModel();
  fg = await startProviderServer({ FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" });
  const settings = {
    signing_secret: SECRET,
    credentials: { api_url: slack.apiUrl },
  };
  offline = await fg.trigger("slack", settings);
  failing = await fg.trigger("slack", { ...settings, model: model.settings });
});
afterAll(async () => {
  await fg.close();
  await slack.close();
  await model.fake.close();
});

/** `/flowgate <key> add retries`, signed, answering to `hook`. */
async function command(
  trigger: CreatedTrigger,
  key: string,
  hook: FakeResponseUrl,
) {
  const form = new URLSearchParams(slashCommand(`${key} add retries`));
  form.set("response_url", hook.url);
  const body = form.toString();
  const answer = await fg.send(
    trigger,
    slackHeaders(SECRET, body, { form: true }),
    body,
  );
  expect(answer.status).toBe(200);
  return answer.body.id as number;
}

/** Each post as its path, how it asks to be shown, and its headline. */
function summary(request: ReceivedRequest) {
  const body = request.body ?? {};
  return [
    `${request.method} ${request.path}`,
    body.response_type,
    `replace_original=${body.replace_original}`,
    String(body.text ?? "").split("\n")[0],
  ].join(" ");
}

/** The response_url is a bearer secret: not in the run's messages as
 * the API shows them, nor in the logs. */
function expectUrlKeptSecret(
  hook: FakeResponseUrl,
  messages: Record<string, unknown>[],
) {
  expect(JSON.stringify(messages)).not.toContain(hook.path);
  expect(fg.server.logs.text).not.toContain(hook.path);
}

describe("a slash command's run reported back through its response_url", () => {
  it("adds a succeeded run's message once and replaces it with each event", async () => {
    const hook = slack.responseUrl();
    const from = slack.requests.length;
    const runId = await command(offline, "CMD-1", hook);
    const run = await fg.server.waitForRun(fg.projectId, runId);
    expect(run.status).toBe("succeeded");
    // queued, started, opened, succeeded
    const messages = await untilDelivered(fg, runId, 4);

    const { iid } = run.merge_request as { iid: number };
    const post = `POST ${hook.path} in_channel`;
    expect(slack.requests.slice(from).map(summary)).toEqual([
      `${post} replace_original=false *Flowgate is on it: run #${runId} is queued.*`,
      `${post} replace_original=true *Flowgate is on it: run #${runId} started.*`,
      `${post} replace_original=true *Flowgate opened a draft merge request for CMD-1.*`,
      `${post} replace_original=true *Flowgate finished: merge request !${iid} is ready for review.*`,
    ]);
    expect(hook.messages).toHaveLength(1);
    expect(hook.messages[0]?.edits).toBe(3);
    expect(hook.messages[0]?.text).toContain(run.web_url as string);
    expectUrlKeptSecret(hook, messages);
  });

  it("adds a failed run's message once and replaces it with the reason", async () => {
    const hook = slack.responseUrl();
    const from = slack.requests.length;
    const runId = await command(failing, "CMD-2", hook);
    const run = await fg.server.waitForRun(fg.projectId, runId);
    expect(run.status).toBe("failed");
    // queued, started, failed
    const messages = await untilDelivered(fg, runId, 3);

    const post = `POST ${hook.path} in_channel`;
    expect(slack.requests.slice(from).map(summary)).toEqual([
      `${post} replace_original=false *Flowgate is on it: run #${runId} is queued.*`,
      `${post} replace_original=true *Flowgate is on it: run #${runId} started.*`,
      `${post} replace_original=true *Flowgate's run #${runId} failed.*`,
    ]);
    expect(hook.messages).toHaveLength(1);
    expect(hook.messages[0]?.edits).toBe(2);
    expect(run.error).toContain(`POST ${model.endpoint} answered 401`);
    expect(hook.messages[0]?.text).toContain(
      `the openai-compatible model at ${model.endpoint} failed`,
    );
    expectUrlKeptSecret(hook, messages);
  });
});
