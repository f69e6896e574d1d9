import { retryAfterMs } from "../../models/retry-after.ts";
import { describe } from "../../outbound/describe-url.ts";
import { OutboundError } from "../../outbound/outbound-errors.ts";
import type { ReportCall } from "../../outbox/reporter.ts";

const DEFAULT_API_URL = "https://slack.com/api";

const TOKEN_FIX =
  "paste the app's Bot User OAuth Token (xoxb-…, under OAuth & " +
  "Permissions) into the trigger's credentials.bot_token";

/** Errors Slack documents as passing: the same call may succeed later. */
const TRANSIENT = new Set([
  "ratelimited",
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
]);

/** Slack's `{"ok": false, "error": code}`, with what to do about it. */
export class SlackApiError extends OutboundError {
  readonly code: string;

  constructor(
    message: string,
    code: string,
    options: { retryAfterMs?: number | undefined } = {},
  ) {
    super(message, TRANSIENT.has(code), options);
    this.name = "SlackApiError";
    this.code = code;
  }
}

export interface SlackAnswer {
  ok: true;
  channel?: string;
  ts?: string;
  /** auth.test: the bot the token belongs to. */
  bot_id?: string;
  /** conversations.history and conversations.replies. */
  messages?: unknown[];
  has_more?: boolean;
  response_metadata?: { next_cursor?: string };
}

/** Web API methods Flowgate calls: the writes are POSTed as JSON, the
 * reads are GETs with a query (they take no JSON body). */
export type SlackMethod =
  | "auth.test"
  | "chat.postMessage"
  | "chat.update"
  | "conversations.history"
  | "conversations.replies";

const READS = new Set<SlackMethod>([
  "conversations.history",
  "conversations.replies",
]);

/** The Web API's base URL: Slack's, or `credentials.api_url` (tests). */
export function slackApiUrl(
  credentials: Readonly<Record<string, string>>,
): string {
  const configured = credentials.api_url;
  if (configured === undefined) return DEFAULT_API_URL;
  const url = URL.canParse(configured) ? new URL(configured) : undefined;
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new OutboundError(
      "The trigger's credentials.api_url is not an http(s) URL; remove " +
        `it to use ${DEFAULT_API_URL}`,
      false,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/**
 * Calls one Web API method with the bot token. Slack answers HTTP 200
 * with `ok: false` for most failures (HTTP 429 for rate limits, which
 * the outbound client turns into a transient error with Retry-After).
 */
export async function callSlack(
  call: ReportCall,
  method: SlackMethod,
  body: Record<string, unknown>,
): Promise<SlackAnswer> {
  const base = `${slackApiUrl(call.credentials)}/${method}`;
  const authorization = `Bearer ${botToken(call.credentials)}`;
  const response = READS.has(method)
    ? await call.http.send({
        method: "GET",
        url: `${base}?${new URLSearchParams(stringValues(body))}`,
        headers: { authorization },
        signal: call.signal,
      })
    : await call.http.send({
        method: "POST",
        url: base,
        headers: {
          authorization,
          "content-type": "application/json; charset=utf-8",
        },
        json: body,
        signal: call.signal,
      });
  const answer = response.json<{ ok?: unknown; error?: unknown }>();
  if (answer?.ok === true) return answer as SlackAnswer;

  const code = typeof answer?.error === "string" ? answer.error : "unknown";
  throw new SlackApiError(
    `${READS.has(method) ? "GET" : "POST"} ${describe(new URL(base))} ` +
      `answered ok: false, "${code}": ` +
      fixFor(code, method, String(body.channel ?? "")),
    code,
    { retryAfterMs: retryAfterMs(response.headers) },
  );
}

function stringValues(body: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(body).map(([name, value]) => [name, String(value)]),
  );
}

function botToken(credentials: Readonly<Record<string, string>>): string {
  const token = credentials.bot_token;
  if (token) return token;
  throw new OutboundError(
    "The trigger's credentials lack bot_token, which Flowgate needs to " +
      "post in a channel (app mentions, and slash commands once Slack's " +
      `response_url is used up): ${TOKEN_FIX}`,
    false,
  );
}

function fixFor(code: string, method: string, channel: string): string {
  switch (code) {
    case "not_authed":
      return `Slack received no token; ${TOKEN_FIX}`;
    case "invalid_auth":
    case "account_inactive":
    case "token_revoked":
    case "token_expired":
    case "not_allowed_token_type":
      return `Slack refused the trigger's credentials.bot_token; ${TOKEN_FIX}`;
    case "missing_scope":
      return READS.has(method as SlackMethod)
        ? "the bot token lacks channels:history (public channels) or " +
            "groups:history (private ones): add it under OAuth & " +
            "Permissions and reinstall the app"
        : "the bot token lacks the chat:write scope: add it under OAuth & " +
            "Permissions and reinstall the app";
    case "channel_not_found":
      return (
        `the bot cannot see channel ${channel}: invite the app to the ` +
        "channel (/invite @<app name>), and check that credentials." +
        "bot_token belongs to the workspace the request came from"
      );
    case "not_in_channel":
      return (
        `the app is not a member of channel ${channel}: invite it to ` +
        "the channel (/invite @<app name>)"
      );
    case "is_archived":
      return `channel ${channel} is archived: unarchive it to hear more`;
    default:
      return TRANSIENT.has(code)
        ? "Slack is busy; the message is sent again later"
        : `see https://api.slack.com/methods/${method} for what it means`;
  }
}
