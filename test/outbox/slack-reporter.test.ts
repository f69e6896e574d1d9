import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OutboundError } from "../../src/outbound/outbound-errors.ts";
import {
  createOutboundHttp,
  type OutboundHttp,
} from "../../src/outbound/outbound-http.ts";
import type { ReportCall, Reporter } from "../../src/outbox/reporter.ts";
import type { RunReport } from "../../src/outbox/run-report.ts";
import type { SyncEvent } from "../../src/outbox/sync-event.ts";
import { syncSettings } from "../../src/outbox/sync-settings.ts";
import { slackSource } from "../../src/sources/slack/index.ts";
import type { ServerFault } from "../fakes/fault-server.ts";
import {
  type FakeResponseUrl,
  type FakeSlack,
  startFakeSlack,
} from "../fakes/slack-api.ts";
import {
  appMention,
  slashCommand,
  TEAM,
  urlVerification,
} from "../fakes/slack-payloads.ts";

const BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy";
const CHANNEL = "C2147483705";
const OUTSIDE = "C0NOTJOINED";
const MENTION_TS = "1515449522.000016";
const RUN_URL = "https://flowgate.example/api/v4/projects/1/workflows/runs/12";
const MR_URL = "https://gitlab.example/acme/shop/-/merge_requests/3";
const START = Date.parse("2026-12-03T10:00:00.000Z");
const MINUTE_MS = 60_000;
const POST = "/api/chat.postMessage";
const UPDATE = "/api/chat.update";

const SUCCEEDED_RUN: SyncEvent[] = [
  "started",
  "merge_request_opened",
  "succeeded",
  "merged",
];

const reporter = slackSource.reporter as Reporter;
const replyTo = (body: unknown) => reporter.replyTo?.(body) ?? {};
const commandBody = (text: string) =>
  Object.fromEntries(new URLSearchParams(slashCommand(text)));

function runReport(
  event: SyncEvent,
  minute: number,
  error = "the agent ran out of budget",
): RunReport {
  const opened = event !== "started" && event !== "failed";
  return {
    event,
    runId: 12,
    runUrl: RUN_URL,
    status: event === "failed" ? "failed" : "running",
    externalSystem: "slack",
    externalReference: "PROJ-123",
    externalUrl: null,
    branch: "ai/PROJ-123-retries",
    mergeRequest: opened ? { iid: 3, webUrl: MR_URL } : null,
    error: event === "failed" ? error : null,
    at: new Date(START + minute * MINUTE_MS).toISOString(),
  };
}

describe("Slack reporting", () => {
  let slack: FakeSlack;
  let http: OutboundHttp;
  let hook: FakeResponseUrl;

  beforeEach(async () => {
    slack = await startFakeSlack({
      botToken: BOT_TOKEN,
      channels: [
        { id: CHANNEL, joined: true },
        { id: OUTSIDE, joined: false },
      ],
    });
    http = createOutboundHttp(
      { allowPrivate: true, allowedHosts: [] },
      { timeoutMs: 300 },
    );
    hook = slack.responseUrl();
  });

  afterEach(async () => {
    await http.close();
    await slack.close();
  });

  const credentials = () => ({ bot_token: BOT_TOKEN, api_url: slack.apiUrl });
  /** A slash command's reply, its response_url pointed at the fake. */
  const fromCommand = () => ({
    ...replyTo(commandBody("PROJ-123 add retries")),
    response_url: hook.url,
  });
  const fromMention = () => replyTo(appMention("<@U0FLOWGATE> PROJ-123"));

  const callFor = (
    event: SyncEvent,
    minute: number,
    options: {
      reply?: Record<string, string>;
      state?: Record<string, string>;
      credentials?: Record<string, string>;
      error?: string;
    } = {},
  ): ReportCall => ({
    action: "comment",
    messageId: 1,
    attempt: 1,
    report: runReport(event, minute, options.error),
    sync: syncSettings({}),
    credentials: options.credentials ?? credentials(),
    replyTo: options.reply ?? fromCommand(),
    state: options.state ?? {},
    http,
    signal: new AbortController().signal,
  });

  /** Reports the events in order, merging each outcome's state into
   * the next call's, as the dispatcher does. */
  const reportRun = async (
    events: SyncEvent[],
    minutes: number[],
    reply: Record<string, string>,
    state: Record<string, string> = {},
  ): Promise<Record<string, string>> => {
    let merged = state;
    for (const [index, event] of events.entries()) {
      const sync = syncSettings({});
      for (const action of reporter.actions(event, sync)) {
        const call = callFor(event, minutes[index] ?? 0, { reply });
        const outcome = await reporter.deliver({
          ...call,
          action,
          state: merged,
        });
        merged = { ...merged, ...outcome.state };
      }
    }
    return merged;
  };

  const lost: [string, ServerFault][] = [
    ["an answer later than the time limit", { delayMs: 700 }],
    ["a reset after the work", { reset: true, afterWork: true }],
  ];
  const isLost = (fault: ServerFault) =>
    "delayMs" in fault || ("reset" in fault && fault.afterWork === true);

  const lines = () =>
    slack.requests.map((request) => `${request.method} ${request.path}`);

  it("keeps a slash command's run in one message, replaced via response_url", async () => {
    const state = await reportRun(SUCCEEDED_RUN, [0, 5, 12, 20], fromCommand());

    expect(hook.messages).toHaveLength(1);
    expect(hook.messages[0]?.text).toMatch(
      /^\*Merge request !3 was merged\.\*/,
    );
    expect(hook.uses).toBe(4);
    expect(lines()).toEqual(SUCCEEDED_RUN.map(() => `POST ${hook.path}`));
    expect(slack.requests.map((r) => r.body.replace_original)).toEqual([
      false,
      true,
      true,
      true,
    ]);
    expect(
      slack.requests.every((r) => r.body.response_type === "in_channel"),
    ).toBe(true);
    // The bot token is not the response_url's business.
    expect(slack.requests.some((r) => r.headers.authorization)).toBe(false);
    expect(slack.messages(CHANNEL)).toEqual([]);
    expect(state).toEqual({
      slack_response_uses: "4",
      slack_response_first_used_at: "2026-12-03T10:00:00.000Z",
    });
  });

  it("posts a mention's run in the mention's thread once, then edits that message", async () => {
    const state = await reportRun(["started", "failed"], [0, 3], fromMention());

    const messages = slack.messages(CHANNEL);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ threadTs: MENTION_TS, edits: 1 });
    expect(messages[0]?.text).toMatch(/^\*Flowgate's run #12 failed\.\*/);
    expect(lines()).toEqual([`POST ${POST}`, `POST ${UPDATE}`]);
    expect(slack.requests[0]?.headers.authorization).toBe(
      `Bearer ${BOT_TOKEN}`,
    );
    expect(slack.requests[0]?.body).toMatchObject({
      channel: CHANNEL,
      thread_ts: MENTION_TS,
      unfurl_links: false,
    });
    expect(slack.requests[1]?.body).toEqual({
      channel: CHANNEL,
      ts: messages[0]?.ts,
      text: messages[0]?.text,
    });
    expect(state).toEqual({
      slack_channel: CHANNEL,
      slack_ts: messages[0]?.ts,
    });
  });

  it("moves to chat.postMessage when the response_url is 30 minutes old", async () => {
    await reportRun(SUCCEEDED_RUN, [0, 10, 31, 40], fromCommand());

    expect(hook.uses).toBe(2);
    expect(hook.messages[0]?.text).toMatch(/opened a draft merge request/);
    const messages = slack.messages(CHANNEL);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.text).toMatch(/^\*Merge request !3 was merged\.\*/);
    expect(messages[0]?.edits).toBe(1);
    expect(lines()).toEqual([
      `POST ${hook.path}`,
      `POST ${hook.path}`,
      `POST ${POST}`,
      `POST ${UPDATE}`,
    ]);
  });

  it("leaves a response_url alone after its fifth use", async () => {
    const state = {
      slack_response_uses: "5",
      slack_response_first_used_at: new Date(START).toISOString(),
    };
    await reportRun(["merged"], [6], fromCommand(), state);

    expect(hook.uses).toBe(0);
    expect(lines()).toEqual([`POST ${POST}`]);
  });

  it("falls back to chat.postMessage when Slack says the response_url is spent", async () => {
    let state = await reportRun(["started"], [0], fromCommand());
    hook.expired = true;
    state = await reportRun(
      ["merge_request_opened", "succeeded"],
      [4, 9],
      fromCommand(),
      state,
    );

    expect(state.slack_response_spent).toBe("true");
    expect(lines()).toEqual([
      `POST ${hook.path}`,
      `POST ${hook.path}`,
      `POST ${POST}`,
      `POST ${UPDATE}`,
    ]);
    expect(slack.messages(CHANNEL)).toHaveLength(1);
  });

  it("does not post to a response_url on a host that is not Slack's", async () => {
    const reply = {
      ...fromCommand(),
      response_url: "https://hooks.example.com/commands/T0ACME01/1/x",
    };
    await reportRun(["started"], [0], reply);
    expect(lines()).toEqual([`POST ${POST}`]);
  });

  it("does not post to a plain-http response_url on Slack's host", async () => {
    // Slack's names resolve to the fake, so a post to the http hook
    // would land there; Slack's Web API (https) cannot be reached.
    const toFake = createOutboundHttp(
      { allowPrivate: true, allowedHosts: [] },
      {
        timeoutMs: 300,
        resolve: async () => [{ address: "127.0.0.1", family: 4 }],
      },
    );
    const port = new URL(slack.url).port;
    const reply = {
      ...fromCommand(),
      response_url: `http://hooks.slack.com:${port}${hook.path}`,
    };
    try {
      const call = callFor("started", 0, {
        reply,
        credentials: { bot_token: BOT_TOKEN },
      });
      await expect(
        reporter.deliver({ ...call, http: toFake }),
      ).rejects.toThrow();
    } finally {
      await toFake.close();
    }
    expect(hook.uses).toBe(0);
    expect(slack.requests).toEqual([]);
  });

  it("writes the tracking message in mrkdwn, escaping Slack's markup", async () => {
    const call = callFor("failed", 0, {
      reply: fromMention(),
      error: "exit <1> & a <@U123> ping",
    });
    await reporter.deliver(call);

    const text = slack.messages(CHANNEL)[0]?.text ?? "";
    expect(text.split("\n")).toEqual([
      "*Flowgate's run #12 failed.*",
      "Reason: exit &lt;1&gt; &amp; a &lt;@U123&gt; ping",
      `Fix the cause, then retry the run from its page or with POST ${RUN_URL}/retry.`,
      `<${RUN_URL}|Flowgate run #12>`,
    ]);
  });

  describe("when chat.update fails", () => {
    const faults: [string, ServerFault, boolean][] = [
      ["a 500", { status: 500 }, false],
      ["a 429 with Retry-After", { status: 429, retryAfter: "1" }, false],
      ["an answer later than the time limit", { delayMs: 700 }, true],
      ["a reset before the work", { reset: true }, false],
      ["a reset after the work", { reset: true, afterWork: true }, true],
    ];

    for (const [name, fault, workDone] of faults) {
      it(`retries after ${name} and still has one message`, async () => {
        const state = await reportRun(["started"], [0], fromMention());
        slack.failNext("POST", UPDATE, fault);
        const call = callFor("failed", 2, { reply: fromMention(), state });

        const error = await reporter.deliver(call).catch((caught) => caught);
        expect(error).toBeInstanceOf(OutboundError);
        expect(error.transient).toBe(true);
        expect(error.retryAfterMs).toBe(
          "retryAfter" in fault ? 1000 : undefined,
        );
        const failed = /failed\./;
        expect(slack.messages(CHANNEL)[0]?.text).toMatch(
          workDone ? failed : /started\./,
        );

        await reporter.deliver({ ...call, attempt: 2 });
        expect(slack.messages(CHANNEL)).toHaveLength(1);
        expect(slack.messages(CHANNEL)[0]?.text).toMatch(failed);
        expect(inspect(error, { depth: 10 })).not.toContain(BOT_TOKEN);
      });
    }

    it("treats Slack's ok: false ratelimited as transient, with its Retry-After", async () => {
      const state = await reportRun(["started"], [0], fromMention());
      slack.failNext("POST", UPDATE, {
        status: 200,
        retryAfter: "2",
        body: { ok: false, error: "ratelimited" },
      });
      const call = callFor("failed", 2, { reply: fromMention(), state });

      await expect(reporter.deliver(call)).rejects.toMatchObject({
        transient: true,
        retryAfterMs: 2000,
      });
      await reporter.deliver({ ...call, attempt: 2 });
      expect(slack.messages(CHANNEL)).toHaveLength(1);
    });

    it("posts a new message when the tracking message was deleted", async () => {
      const state = {
        slack_channel: CHANNEL,
        slack_ts: "1700000000.000001",
      };
      const outcome = await reporter.deliver(
        callFor("failed", 2, { reply: fromMention(), state }),
      );
      expect(lines()).toEqual([`POST ${UPDATE}`, `POST ${POST}`]);
      expect(outcome.state?.slack_ts).toBe(slack.messages(CHANNEL)[0]?.ts);
    });
  });

  describe("when chat.postMessage fails", () => {
    const retried: [string, ServerFault][] = [
      ["a 500", { status: 500 }],
      ["a 429 with Retry-After", { status: 429, retryAfter: "1" }],
      ["a reset before the work", { reset: true }],
    ];
    for (const [name, fault] of retried) {
      it(`retries after ${name} and posts one message`, async () => {
        slack.failNext("POST", POST, fault);
        const call = callFor("started", 0, { reply: fromMention() });

        await expect(reporter.deliver(call)).rejects.toMatchObject({
          transient: true,
          retryAfterMs: "retryAfter" in fault ? 1000 : undefined,
        });
        expect(slack.messages(CHANNEL)).toEqual([]);
        await reporter.deliver({ ...call, attempt: 2 });
        expect(slack.messages(CHANNEL)).toHaveLength(1);
      });
    }

    // Slack took the post and the answer was lost: the retry finds the
    // post by its metadata and edits it instead of posting again.
    for (const [name, fault] of lost) {
      it(`finds its post after ${name} and edits it: one message`, async () => {
        slack.failNext("POST", POST, fault);
        const call = callFor("started", 0, { reply: fromMention() });

        await expect(reporter.deliver(call)).rejects.toMatchObject({
          transient: true,
        });
        const outcome = await reporter.deliver({
          ...callFor("failed", 1, { reply: fromMention() }),
          attempt: 2,
        });

        const [only, ...others] = slack.messages(CHANNEL);
        expect(others).toEqual([]);
        expect(only?.text).toMatch(/failed\./);
        expect(only?.edits).toBe(1);
        expect(outcome.state).toEqual({
          slack_channel: CHANNEL,
          slack_ts: only?.ts,
        });
        expect(outcome.details).toMatchObject({ lookup: "found" });
        const lookup = slack.requests.find(
          (request) => request.path === "/api/conversations.replies",
        );
        expect(lookup?.method).toBe("GET");
        expect(lookup?.query).toMatchObject({
          channel: CHANNEL,
          ts: MENTION_TS,
          include_all_metadata: "true",
        });
      });
    }

    it("marks each post with the run's metadata", async () => {
      await reporter.deliver({
        ...callFor("started", 0, { reply: fromMention() }),
        messageId: 41,
      });

      expect(slack.messages(CHANNEL)[0]?.metadata).toEqual({
        event_type: "flowgate_run_tracking",
        event_payload: { run_id: 12, run_url: RUN_URL, message_id: 41 },
      });
    });

    it("looks in the channel's history when the post is not in a thread", async () => {
      hook.expired = true;
      slack.failNext("POST", POST, { delayMs: 700 });
      const call = callFor("started", 0);

      await expect(reporter.deliver(call)).rejects.toMatchObject({
        transient: true,
      });
      await reporter.deliver({ ...call, attempt: 2 });

      expect(slack.messages(CHANNEL)).toHaveLength(1);
      expect(lines()).toContain("GET /api/conversations.history");
    });

    it("does not take another run's post for its own", async () => {
      // The earlier attempt failed before Slack did anything; the
      // channel holds another run's post, whose URL only starts the same.
      await reporter.deliver({
        ...callFor("started", 0, { reply: fromMention() }),
        messageId: 2,
        report: { ...runReport("started", 0), runUrl: `${RUN_URL}0` },
      });
      slack.failNext("POST", POST, { status: 500 });
      const call = callFor("started", 0, { reply: fromMention() });
      await expect(reporter.deliver(call)).rejects.toMatchObject({
        transient: true,
      });

      await reporter.deliver({ ...call, attempt: 2 });

      expect(slack.messages(CHANNEL)).toHaveLength(2);
    });

    it("posts again without the history scope, and says so in the timeline", async () => {
      const narrow = await startFakeSlack({
        botToken: BOT_TOKEN,
        channels: [{ id: CHANNEL, joined: true }],
        historyScope: false,
      });
      try {
        narrow.failNext("POST", POST, { delayMs: 700 });
        const call = {
          ...callFor("started", 0, { reply: fromMention() }),
          credentials: { bot_token: BOT_TOKEN, api_url: narrow.apiUrl },
        };
        await expect(reporter.deliver(call)).rejects.toMatchObject({
          transient: true,
        });

        const outcome = await reporter.deliver({ ...call, attempt: 2 });

        // The one case left: a lost answer, and no scope to look with.
        expect(narrow.messages(CHANNEL)).toHaveLength(2);
        expect(String(outcome.details?.lookup)).toContain("missing_scope");
        expect(String(outcome.details?.lookup)).toContain("channels:history");
      } finally {
        await narrow.close();
      }
    });
  });

  describe("when Slack's response_url fails", () => {
    const faults: [string, ServerFault][] = [
      ["a 500", { status: 500 }],
      ["a 429 with Retry-After", { status: 429, retryAfter: "1" }],
      ["an answer later than the time limit", { delayMs: 700 }],
      ["a reset before the work", { reset: true }],
      ["a reset after the work", { reset: true, afterWork: true }],
    ];

    for (const [name, fault] of faults) {
      it(`retries a replacing post after ${name}: one message, URL kept secret`, async () => {
        const state = await reportRun(["started"], [0], fromCommand());
        slack.failNext("POST", hook.path, fault);
        const call = callFor("merge_request_opened", 3, { state });

        const error = await reporter.deliver(call).catch((caught) => caught);
        expect(error).toBeInstanceOf(OutboundError);
        expect(error.transient).toBe(true);
        expect(error.retryAfterMs).toBe(
          "retryAfter" in fault ? 1000 : undefined,
        );
        const told = `${error.message}\n${inspect(error, { depth: 10 })}`;
        expect(told).toContain("Slack's response_url");
        expect(told).not.toContain(hook.path);
        expect(told).not.toContain(hook.url);

        const outcome = await reporter.deliver({ ...call, attempt: 2 });
        expect(hook.messages).toHaveLength(1);
        expect(hook.messages[0]?.text).toMatch(/draft merge request/);
        expect(outcome.state?.slack_response_uses).toBe("2");
        expect(slack.messages(CHANNEL)).toEqual([]);
      });
    }

    // Slack took the first post and the answer was lost. That post adds
    // a message and Slack gives it no id, so the retry reads the channel
    // with the bot token for the bot's message linking to the run, and
    // replaces it instead of adding another.
    for (const [name, fault] of lost) {
      it(`finds its first post after ${name} with the bot token: one message`, async () => {
        slack.failNext("POST", hook.path, fault);
        const call = callFor("started", 0);
        await expect(reporter.deliver(call)).rejects.toMatchObject({
          transient: true,
        });

        const outcome = await reporter.deliver({
          ...callFor("failed", 1),
          attempt: 2,
        });

        const [only, ...others] = slack.history(CHANNEL);
        expect(others).toEqual([]);
        expect(only?.via).toBe("response_url");
        expect(only?.text).toMatch(/failed\./);
        expect(hook.messages).toEqual([only]);
        expect(outcome.details).toMatchObject({
          via: "response_url",
          lookup: "found",
        });
        expect(outcome.state?.slack_response_uses).toBe("2");
        expect(lines()).toEqual([
          `POST ${hook.path}`,
          "POST /api/auth.test",
          "GET /api/conversations.history",
          `POST ${hook.path}`,
        ]);
        expect(slack.requests.at(-1)?.body.replace_original).toBe(true);
      });
    }

    it("does not take another run's response_url post for its own", async () => {
      // Another command's run posted in the channel, its run URL only
      // starting the same; this run's first attempt failed before Slack
      // did anything.
      const other = slack.responseUrl();
      await reporter.deliver({
        ...callFor("started", 0, {
          reply: { ...fromCommand(), response_url: other.url },
        }),
        report: { ...runReport("started", 0), runUrl: `${RUN_URL}0` },
      });
      slack.failNext("POST", hook.path, { status: 500 });
      const call = callFor("started", 0);
      await expect(reporter.deliver(call)).rejects.toMatchObject({
        transient: true,
      });

      const outcome = await reporter.deliver({ ...call, attempt: 2 });

      expect(slack.history(CHANNEL)).toHaveLength(2);
      expect(hook.messages).toHaveLength(1);
      expect(outcome.details?.lookup).toBe("not found");
    });

    // The known limit: a response_url post cannot be looked up without a
    // bot token, so the retry posts again rather than risk losing the
    // message, and says a duplicate is possible.
    for (const [name, fault] of lost) {
      it(`posts the first message again after ${name} without a bot token, saying it may be a duplicate`, async () => {
        slack.failNext("POST", hook.path, fault);
        const call = callFor("started", 0, {
          credentials: { api_url: slack.apiUrl },
        });
        await expect(reporter.deliver(call)).rejects.toMatchObject({
          transient: true,
        });

        const outcome = await reporter.deliver({ ...call, attempt: 2 });

        expect(hook.messages).toHaveLength(2);
        const said = String(outcome.details?.lookup);
        expect(said).toContain("may be a second message");
        expect(said).toContain("credentials.bot_token");
        expect(lines()).toEqual([`POST ${hook.path}`, `POST ${hook.path}`]);
      });
    }

    it("posts the first message again when Slack refuses the lookup (missing_scope), saying so", async () => {
      const narrow = await startFakeSlack({
        botToken: BOT_TOKEN,
        channels: [{ id: CHANNEL, joined: true }],
        historyScope: false,
      });
      try {
        const narrowHook = narrow.responseUrl();
        narrow.failNext("POST", narrowHook.path, { delayMs: 700 });
        const call = callFor("started", 0, {
          reply: { ...fromCommand(), response_url: narrowHook.url },
          credentials: { bot_token: BOT_TOKEN, api_url: narrow.apiUrl },
        });
        await expect(reporter.deliver(call)).rejects.toMatchObject({
          transient: true,
        });

        const outcome = await reporter.deliver({ ...call, attempt: 2 });

        expect(narrow.history(CHANNEL)).toHaveLength(2);
        const said = String(outcome.details?.lookup);
        expect(said).toContain("may be a second message");
        expect(said).toContain("missing_scope");
      } finally {
        await narrow.close();
      }
    });

    it("posts the first message again when the bot is not in the command's channel (not_in_channel), saying so", async () => {
      const outside = slack.responseUrl(OUTSIDE);
      slack.failNext("POST", outside.path, { reset: true, afterWork: true });
      const call = callFor("started", 0, {
        reply: {
          ...fromCommand(),
          channel: OUTSIDE,
          response_url: outside.url,
        },
      });
      await expect(reporter.deliver(call)).rejects.toMatchObject({
        transient: true,
      });

      const outcome = await reporter.deliver({ ...call, attempt: 2 });

      expect(slack.history(OUTSIDE)).toHaveLength(2);
      expect(String(outcome.details?.lookup)).toContain("not_in_channel");
    });

    it("retries a first post later when the lookup itself fails in passing", async () => {
      slack.failNext("POST", hook.path, { delayMs: 700 });
      const call = callFor("started", 0);
      await expect(reporter.deliver(call)).rejects.toMatchObject({
        transient: true,
      });
      slack.failNext("GET", "/api/conversations.history", { status: 500 });

      await expect(
        reporter.deliver({ ...call, attempt: 2 }),
      ).rejects.toMatchObject({ transient: true });
      expect(hook.messages).toHaveLength(1);

      await reporter.deliver({ ...call, attempt: 3 });
      expect(slack.history(CHANNEL)).toHaveLength(1);
    });

    for (const [name, fault] of faults.filter(([, f]) => !isLost(f))) {
      it(`posts the first message once after ${name}`, async () => {
        slack.failNext("POST", hook.path, fault);
        const call = callFor("started", 0);

        await expect(reporter.deliver(call)).rejects.toMatchObject({
          transient: true,
        });
        await reporter.deliver({ ...call, attempt: 2 });

        expect(hook.messages).toHaveLength(1);
      });
    }

    it("keeps the URL out of the error when it is spent and nothing is left", async () => {
      hook.expired = true;
      const reply = { response_url: hook.url };
      const error = await reporter
        .deliver(callFor("started", 0, { reply }))
        .catch((caught) => caught);

      expect(error.transient).toBe(false);
      expect(error.message).toContain("named no channel");
      expect(inspect(error, { depth: 10 })).not.toContain(hook.path);
    });
  });

  describe("credentials and channels", () => {
    it("names credentials.bot_token when Slack refuses it, without the token", async () => {
      const wrong = "xoxb-00000000000-00000000000-wrongTokenValue";
      const error = await reporter
        .deliver(
          callFor("started", 0, {
            reply: fromMention(),
            credentials: { ...credentials(), bot_token: wrong },
          }),
        )
        .catch((caught) => caught);

      expect(error).toBeInstanceOf(OutboundError);
      expect(error.transient).toBe(false);
      expect(error.message).toContain('"invalid_auth"');
      expect(error.message).toContain("credentials.bot_token");
      const told = inspect(error, { depth: 10 });
      expect(told).not.toContain(wrong);
      expect(told).not.toContain(BOT_TOKEN);
    });

    it("names credentials.bot_token when it is missing and a channel post is needed", async () => {
      const error = await reporter
        .deliver(
          callFor("started", 0, {
            reply: fromMention(),
            credentials: { api_url: slack.apiUrl },
          }),
        )
        .catch((caught) => caught);

      expect(error.transient).toBe(false);
      expect(error.message).toContain("lack bot_token");
      expect(slack.requests).toEqual([]);
    });

    it("asks to invite the app to a channel it is not in", async () => {
      const reply = { ...fromMention(), channel: OUTSIDE };
      const error = await reporter
        .deliver(callFor("started", 0, { reply }))
        .catch((caught) => caught);

      expect(error.transient).toBe(false);
      expect(error.message).toContain('"not_in_channel"');
      expect(error.message).toContain(`invite it to the channel`);
    });

    it("asks to invite the app when Slack cannot find the channel", async () => {
      const reply = { ...fromMention(), channel: "C0GONE" };
      const error = await reporter
        .deliver(callFor("started", 0, { reply }))
        .catch((caught) => caught);

      expect(error.transient).toBe(false);
      expect(error.message).toContain('"channel_not_found"');
      expect(error.message).toContain("invite the app to the channel");
    });
  });

  it("asks for comments only, and only for events that are on", () => {
    const events = ["started", "merged"] as const;
    const on = syncSettings({ on: { merged: false } });
    expect(events.map((event) => reporter.actions(event, on))).toEqual([
      ["comment"],
      [],
    ]);
    const linked = syncSettings({ transitions: { merged: "Done" } });
    expect(reporter.actions("merged", linked)).toEqual(["comment"]);
    expect(
      reporter.actions("started", syncSettings({ comment: false })),
    ).toEqual([]);
  });

  describe("replyTo", () => {
    it("keeps a slash command's response_url, channel and team, not its text", () => {
      expect(replyTo(commandBody("PROJ-123 add retries"))).toEqual({
        team_id: TEAM,
        channel: CHANNEL,
        response_url: `https://hooks.slack.com/commands/${TEAM}/1234/abcd`,
      });
    });

    it("answers a mention in its thread, or in the thread it was made in", () => {
      expect(fromMention()).toEqual({
        team_id: TEAM,
        channel: CHANNEL,
        thread_ts: MENTION_TS,
      });
      const inThread = appMention("<@U0FLOWGATE> PROJ-9");
      const event = { ...inThread.event, thread_ts: "1515440000.000100" };
      expect(replyTo({ ...inThread, event }).thread_ts).toBe(
        "1515440000.000100",
      );
    });

    it("keeps nothing that is not an id or an http(s) response_url", () => {
      expect(replyTo(urlVerification("challenge-x"))).toEqual({});
      expect(replyTo(undefined)).toEqual({});
      const body = {
        ...commandBody("PROJ-1"),
        channel_id: "../etc",
        response_url: "file:///etc/passwd",
      };
      expect(replyTo(body)).toEqual({ team_id: TEAM });
      // Whether an http one may be posted to is decided when reporting
      // (isSlackHook), where credentials.api_url is known.
      const plain = "http://hooks.slack.com/commands/T/1/x";
      expect(replyTo({ ...body, response_url: plain })).toEqual({
        team_id: TEAM,
        response_url: plain,
      });
    });
  });
});
