const MAX_URL_CHARS = 2048;
const SLACK_ID = /^[A-Z0-9]{1,32}$/;
const MESSAGE_TS = /^\d{1,12}\.\d{1,9}$/;

/**
 * Where a run's messages go, from the request that started it:
 * - a slash command: its `response_url` (a bearer secret: never logged,
 *   never in a message), `channel_id` and `team_id`; the URL is kept
 *   if it is http(s): whether it may be posted to (https to Slack's
 *   hooks, or the origin `credentials.api_url` names) is decided when
 *   reporting, where the credentials are known;
 * - an Events API mention: `event.channel`, and the thread to answer in
 *   (the mention's own `ts`, or the root of the thread it was made in).
 * Only ids and the URL are kept, never the text of the request.
 */
export function slackReplyTo(body: unknown): Record<string, string> {
  const request = objectOr(body);
  const reply: Record<string, string> = {};
  const put = (name: string, value: string | undefined) => {
    if (value !== undefined) reply[name] = value;
  };
  put("team_id", matching(SLACK_ID, request.team_id));

  if (request.type === "event_callback") {
    const event = objectOr(request.event);
    put("channel", matching(SLACK_ID, event.channel));
    put(
      "thread_ts",
      matching(MESSAGE_TS, event.thread_ts) ?? matching(MESSAGE_TS, event.ts),
    );
    return reply;
  }
  if (typeof request.command === "string") {
    put("channel", matching(SLACK_ID, request.channel_id));
    put("response_url", webUrl(request.response_url));
  }
  return reply;
}

function webUrl(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length > MAX_URL_CHARS) {
    return undefined;
  }
  if (!URL.canParse(value)) return undefined;
  const { protocol } = new URL(value);
  return protocol === "https:" || protocol === "http:" ? value : undefined;
}

function matching(pattern: RegExp, value: unknown): string | undefined {
  return typeof value === "string" && pattern.test(value) ? value : undefined;
}

function objectOr(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
