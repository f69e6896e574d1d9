import type { Trigger } from "../../triggers/trigger.ts";
import type { NormalizeResult, Source, SourceAnswer } from "../source.ts";
import { parseSlack } from "./parse.ts";
import { readSlackDelivery } from "./read-delivery.ts";
import { slackReporter } from "./report.ts";
import { verifySlack } from "./verify.ts";

/**
 * A Slack app: the `/flowgate` slash command, app mentions and channel
 * messages that mention the bot (Events API), url_verification.
 */
export const slackSource: Source = {
  name: "slack",
  secretFormat: "text",
  extraMediaTypes: ["application/x-www-form-urlencoded"],
  secretHeaders: ["x-slack-signature"],
  verifySignature: verifySlack,
  parse: parseSlack,

  // Events API retries (X-Slack-Retry-Num) repeat the event_id; a slash
  // command is never retried, and its trigger_id is unique. A message
  // that mentions the bot arrives twice, as app_mention and as a
  // message.channels event with another event_id: its channel and ts
  // name the message, so the second is a duplicate of the first.
  deliveryId(_delivery, body) {
    if (typeof body !== "object" || body === null) return undefined;
    const message = messageKey(body as Record<string, unknown>);
    if (message) return message;
    const { event_id: eventId, trigger_id: triggerId } = body as Record<
      string,
      unknown
    >;
    const id = typeof eventId === "string" ? eventId : triggerId;
    return typeof id === "string" && id.length <= 128 ? id : undefined;
  },

  normalize(body: unknown, trigger: Trigger): NormalizeResult {
    return readSlackDelivery(body, trigger);
  },

  present: presentToSlack,
  reporter: slackReporter,
};

const MESSAGE_EVENTS = new Set(["app_mention", "message"]);

function messageKey(body: Record<string, unknown>): string | undefined {
  const { team_id: team, event } = body;
  if (typeof event !== "object" || event === null) return undefined;
  const { type, channel, ts } = event as Record<string, unknown>;
  if (typeof type !== "string" || !MESSAGE_EVENTS.has(type)) return undefined;
  if (typeof team !== "string" || typeof channel !== "string") return undefined;
  if (typeof ts !== "string") return undefined;
  const key = `message:${team}:${channel}:${ts}`;
  return key.length <= 200 ? key : undefined;
}

/**
 * Slack wants 200 within 3 s, and shows a slash command's answer to the
 * person who typed it: an ephemeral message saying what happened.
 */
function presentToSlack(answer: SourceAnswer, body: unknown): SourceAnswer {
  const isCommand =
    typeof body === "object" && body !== null && "command" in body;
  if (!isCommand) return { status: 200, body: answer.body };
  return {
    status: 200,
    body: {
      response_type: "ephemeral",
      text: acknowledgement(answer.body),
      ...answer.body,
    },
  };
}

function acknowledgement(body: Record<string, unknown>): string {
  const reference = body.external_reference;
  const link = typeof body.web_url === "string" ? ` ${body.web_url}` : "";
  if (body.status === "ignored")
    return `Nothing to do: ${String(body.reason)}.`;
  if (body.canceled === true) {
    return `Stopped Flowgate run ${String(body.id)} for ${String(reference)}.`;
  }
  if (body.duplicate === true) {
    return (
      `${String(reference)} already has Flowgate run ${String(body.id)} ` +
      `(${String(body.status)}); your instructions were added to it.${link}`
    );
  }
  return `On it: Flowgate run ${String(body.id)} is queued for ${String(reference)}.${link}`;
}
