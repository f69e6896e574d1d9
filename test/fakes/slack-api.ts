import { randomBytes } from "node:crypto";
import {
  type Answer,
  type ReceivedRequest,
  type ServerFault,
  startFaultServer,
} from "./fault-server.ts";
import { BOT_USER, COMMAND_CHANNEL, TEAM } from "./slack-payloads.ts";

/**
 * A fake of the Slack endpoints Flowgate reports through, on a real
 * port: slash commands' response_urls (made per test for a channel, 5
 * uses, expiry on demand; answers `{"ok": true}`, refusals 404 with
 * `expired_url` or `used_url`; an in-channel post joins the channel's
 * history as the app's bot, without metadata, as Slack shows it) and the
 * Web API's auth.test (naming the bot), chat.postMessage and chat.update
 * (POSTed JSON) and conversations.history and conversations.replies (GETs with a
 * query: `oldest`, `limit`, `cursor`, `include_all_metadata`; replies
 * need the thread's `ts`), which answer HTTP 200 with `{"ok": true, …}`
 * or `{"ok": false, "error"}`. Message metadata is kept as posted and
 * shown by the reads only with `include_all_metadata=true`; the reads
 * need channels:history, which `historyScope: false` takes away.
 */

const RESPONSE_URL_USES = 5;
const BOT_ID = "B0FLOWGATE";

export interface FakeSlackOptions {
  botToken: string;
  /** Channels that exist; the bot is a member of those it joined. */
  channels: { id: string; joined: boolean }[];
  /** Whether the token has channels:history; true unless said. */
  historyScope?: boolean;
}

export interface FakeSlackMessage {
  channel: string;
  ts: string;
  text: string;
  threadTs?: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  edits: number;
  /** How it was posted. */
  via: "web_api" | "response_url";
}

export interface FakeResponseUrl {
  url: string;
  path: string;
  /** In-channel messages posted through it, as shown now. */
  messages: FakeSlackMessage[];
  uses: number;
  expired: boolean;
}

export interface FakeSlack {
  url: string;
  /** The Web API's base, for `credentials.api_url`. */
  apiUrl: string;
  requests: ReceivedRequest[];
  /** A new slash command's response_url, for a command in `channel`. */
  responseUrl(channel?: string): FakeResponseUrl;
  /** Messages posted with the Web API in a channel, oldest first. */
  messages(channel: string): FakeSlackMessage[];
  /** Every message in a channel, however posted, oldest first. */
  history(channel: string): FakeSlackMessage[];
  failNext(method: string, path: string | RegExp, fault: ServerFault): void;
  close(): Promise<void>;
}

export async function startFakeSlack(
  options: FakeSlackOptions,
): Promise<FakeSlack> {
  const responseUrls = new Map<string, FakeResponseUrl>();
  const messages: FakeSlackMessage[] = [];
  let sequence = 0;
  let base = "";

  const nextTs = () => {
    sequence += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(sequence).padStart(6, "0")}`;
  };
  const hookChannels = new Map<FakeResponseUrl, string>();

  const respond = (hook: FakeResponseUrl | undefined, body: any): Answer => {
    if (!hook || hook.expired) return refusal(404, "expired_url");
    if (hook.uses >= RESPONSE_URL_USES) return refusal(404, "used_url");
    if (typeof body?.text !== "string" || body.text === "") {
      return refusal(400, "no_text");
    }
    hook.uses += 1;
    const last = hook.messages.at(-1);
    // With nothing in-channel yet, replace_original would replace the
    // command's ephemeral answer, which cannot become an in-channel one.
    if (body.replace_original === true && last) {
      last.text = body.text;
      last.edits += 1;
    } else if (body.response_type === "in_channel") {
      const message: FakeSlackMessage = {
        channel: hookChannels.get(hook) ?? COMMAND_CHANNEL,
        ts: nextTs(),
        text: body.text,
        edits: 0,
        via: "response_url",
      };
      hook.messages.push(message);
      messages.push(message);
    }
    return { status: 200, body: { ok: true } };
  };

  const web = (method: string, request: ReceivedRequest): Answer => {
    const header = request.headers.authorization;
    if (!header) return slackError("not_authed");
    if (header !== `Bearer ${options.botToken}`) {
      return slackError("invalid_auth");
    }
    if (method === "auth.test") {
      return ok({
        url: "https://acme.slack.com/",
        team: "Acme",
        user: "flowgate",
        team_id: TEAM,
        user_id: BOT_USER,
        bot_id: BOT_ID,
        is_enterprise_install: false,
      });
    }
    const body =
      request.method === "GET" ? request.query : (request.body ?? {});
    const channel = options.channels.find((entry) => entry.id === body.channel);
    if (!channel) return slackError("channel_not_found");
    if (
      method === "conversations.history" ||
      method === "conversations.replies"
    ) {
      if (request.method !== "GET") return slackError("invalid_arguments");
      return read(method, channel, body);
    }
    if (method === "chat.postMessage") {
      if (!channel.joined) return slackError("not_in_channel");
      if (typeof body.text !== "string" || body.text === "") {
        return slackError("no_text");
      }
      const message: FakeSlackMessage = {
        channel: channel.id,
        ts: nextTs(),
        text: body.text,
        ...(body.thread_ts ? { threadTs: body.thread_ts } : {}),
        ...(body.metadata ? { metadata: body.metadata } : {}),
        edits: 0,
        via: "web_api",
      };
      messages.push(message);
      return ok({
        channel: channel.id,
        ts: message.ts,
        message: shown(message),
      });
    }
    if (method === "chat.update") {
      const message = messages.find(
        (entry) => entry.channel === channel.id && entry.ts === body.ts,
      );
      if (!message) return slackError("message_not_found");
      message.text = String(body.text ?? "");
      message.edits += 1;
      return ok({
        channel: channel.id,
        ts: message.ts,
        text: message.text,
        message: shown(message),
      });
    }
    return slackError("unknown_method");
  };

  /** Newest first, as Slack lists them; a thread's replies oldest first,
   * its parent included when it is in the range. */
  const read = (
    method: string,
    channel: { id: string; joined: boolean },
    query: Record<string, string>,
  ): Answer => {
    if (options.historyScope === false) {
      return {
        status: 200,
        body: {
          ok: false,
          error: "missing_scope",
          needed: "channels:history",
          provided: "chat:write",
        },
      };
    }
    if (!channel.joined) return slackError("not_in_channel");
    const oldest = Number(query.oldest ?? 0);
    const limit = Math.min(Number(query.limit ?? 100), 1000);
    const start = Number(query.cursor ?? 0);
    const inChannel = messages.filter(
      (entry) => entry.channel === channel.id && Number(entry.ts) > oldest,
    );
    let listed: FakeSlackMessage[];
    if (method === "conversations.replies") {
      if (!query.ts) return slackError("invalid_arguments");
      listed = inChannel.filter(
        (entry) => entry.threadTs === query.ts || entry.ts === query.ts,
      );
    } else {
      listed = inChannel.filter((entry) => !entry.threadTs).reverse();
    }
    const page = listed.slice(start, start + limit);
    const more = start + limit < listed.length;
    const metadata = query.include_all_metadata === "true";
    return ok({
      messages: page.map((entry) => ({
        ...shown(entry),
        ...(metadata && entry.metadata ? { metadata: entry.metadata } : {}),
      })),
      has_more: more,
      response_metadata: { next_cursor: more ? String(start + limit) : "" },
    });
  };

  const server = await startFaultServer(
    (request) => {
      const read =
        request.method === "GET" &&
        request.path.startsWith("/api/conversations.");
      if (request.method !== "POST" && !read) {
        return refusal(405, "method_not_allowed");
      }
      if (request.path.startsWith("/commands/")) {
        return respond(responseUrls.get(request.path), request.body);
      }
      const method = /^\/api\/([\w.]+)$/.exec(request.path)?.[1];
      return method ? web(method, request) : refusal(404, "not_found");
    },
    (status) =>
      status === 429
        ? { ok: false, error: "ratelimited" }
        : { ok: false, error: "fatal_error" },
  );
  base = server.url;

  return {
    url: server.url,
    apiUrl: `${server.url}/api`,
    requests: server.requests,
    responseUrl(channel = COMMAND_CHANNEL) {
      sequence += 1;
      const secret = randomBytes(12).toString("base64url");
      const path = `/commands/${TEAM}/${sequence}${Date.now()}/${secret}`;
      const hook: FakeResponseUrl = {
        url: `${base}${path}`,
        path,
        messages: [],
        uses: 0,
        expired: false,
      };
      responseUrls.set(path, hook);
      hookChannels.set(hook, channel);
      return hook;
    },
    messages: (channel) =>
      messages.filter(
        (entry) => entry.channel === channel && entry.via === "web_api",
      ),
    history: (channel) => messages.filter((entry) => entry.channel === channel),
    failNext: server.failNext,
    close: server.close,
  };
}

function shown(message: FakeSlackMessage) {
  return {
    type: "message",
    subtype: "bot_message",
    text: message.text,
    user: BOT_USER,
    bot_id: BOT_ID,
    ts: message.ts,
    ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
  };
}

function ok(fields: Record<string, unknown>): Answer {
  return { status: 200, body: { ok: true, ...fields } };
}

/** The Web API says what went wrong in a 200 answer. */
function slackError(error: string): Answer {
  return { status: 200, body: { ok: false, error } };
}

function refusal(status: number, error: string): Answer {
  return { status, body: { ok: false, error } };
}
