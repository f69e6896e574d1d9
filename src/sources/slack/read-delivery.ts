import type { Trigger } from "../../triggers/trigger.ts";
import { mentionPattern } from "../mention-pattern.ts";
import { parsePayload } from "../parse-payload.ts";
import type { NormalizeResult } from "../source.ts";
import { cut, toTicket } from "../ticket-draft.ts";
import { eventCallback, slashCommand, urlVerification } from "./payload.ts";
import { readSlackRequest } from "./read-request.ts";

const TITLE_CHARS = 120;
const USAGE = "usage: /flowgate <ticket key or URL> [instructions]";

interface Asked {
  text: string;
  user: string;
  author: string;
  team: string;
  /** event_id or trigger_id: a reference when the text names no ticket. */
  id: string;
  eventKind: string;
  /** A plain channel message must mention Flowgate to count. */
  needsMention: boolean;
}

/** A Slack request: url_verification, an event, or a slash command. */
export function readSlackDelivery(
  body: unknown,
  trigger: Trigger,
): NormalizeResult {
  const type = (body as { type?: unknown } | null)?.type;
  if (type === "url_verification") {
    const { challenge } = parsePayload(urlVerification, body);
    return {
      kind: "reply",
      body: { challenge },
      reason: "url_verification: answered the challenge",
    };
  }
  const asked = type === "event_callback" ? fromEvent(body) : fromCommand(body);
  if ("kind" in asked) return asked;
  return fromRequest(asked, trigger);
}

function fromEvent(body: unknown): Asked | NormalizeResult {
  const callback = parsePayload(eventCallback, body);
  const { event } = callback;
  if (event.type !== "app_mention" && event.type !== "message") {
    return {
      kind: "ignored",
      reason: `Slack ${event.type} events start nothing`,
    };
  }
  if (event.bot_id || event.subtype) {
    return {
      kind: "ignored",
      reason: "messages from bots and message changes start nothing",
    };
  }
  const user = event.user ?? "";
  return {
    text: event.text,
    user,
    author: user,
    team: callback.team_id,
    id: callback.event_id,
    eventKind: event.type,
    needsMention: event.type === "message",
  };
}

function fromCommand(body: unknown): Asked {
  const command = parsePayload(slashCommand, body);
  return {
    text: command.text,
    user: command.user_id,
    author: command.user_name ?? command.user_id,
    team: command.team_id,
    id: command.trigger_id,
    eventKind: `command ${command.command}`,
    needsMention: false,
  };
}

function fromRequest(asked: Asked, trigger: Trigger): NormalizeResult {
  const bot = trigger.botIdentity;
  if (bot && asked.user.toLowerCase() === bot.toLowerCase()) {
    return {
      kind: "ignored",
      reason: `the event was made by the bot identity ${bot}`,
    };
  }

  // The trigger's mention is taken out, in any case (`@Flowgate tidy
  // up`), before the first word is read as the ticket.
  const mention = trigger.mention?.trim();
  const mentionedByText = mention
    ? mentionPattern(mention).test(asked.text)
    : false;
  const text =
    mentionedByText && mention
      ? asked.text.replace(mentionPattern(mention, "g"), " ")
      : asked.text;
  const request = readSlackRequest(text);
  const { instruction } = request;
  if (asked.needsMention) {
    const mentionsBot = request.mentions.some((m) => m.id === bot);
    if (!mentionsBot && !mentionedByText) {
      return {
        kind: "ignored",
        reason: "the message does not mention Flowgate",
      };
    }
  }

  if (/^stop[.!]*$/i.test(instruction)) {
    if (!request.reference) return { kind: "ignored", reason: USAGE };
    return {
      kind: "cancel",
      externalReference: request.reference,
      reason: `${asked.author} asked in Slack to stop`,
    };
  }
  if (!request.reference && instruction === "") {
    return { kind: "ignored", reason: USAGE };
  }

  const reference = request.reference ?? `slack:${asked.team}:${asked.id}`;
  const firstLine = instruction.split("\n")[0] ?? "";
  const ticket = toTicket(
    {
      externalReference: reference,
      externalUrl: request.url,
      title: cut(firstLine || `Slack request for ${reference}`, TITLE_CHARS),
      description: instruction,
      reporter: asked.author,
      eventKind: asked.eventKind,
    },
    "slack",
  );
  if (instruction === "") return { kind: "ticket", ticket };
  return {
    kind: "ticket",
    ticket,
    followUp: { instruction, author: asked.author },
  };
}
