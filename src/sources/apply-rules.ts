import type { Trigger } from "../triggers/trigger.ts";
import { mentionPattern } from "./mention-pattern.ts";
import type { NormalizeResult } from "./source.ts";
import { cut, toTicket } from "./ticket-draft.ts";
import type { TicketComment, TicketEvent } from "./ticket-event.ts";

/**
 * The trigger's start rules (DESIGN.md §3, issue 4), the same for every
 * provider, in this order:
 * 1. an event authored by the bot identity starts nothing;
 * 2. a ticket deleted or closed cancels its active run;
 * 3. a comment counts only when it mentions Flowgate (the trigger's
 *    `mention`, or the bot identity through the provider's own mention):
 *    "stop" cancels, anything else is a follow-up instruction;
 * 4. the trigger label removed cancels (when the provider names only
 *    the labels left, a run that began with the label is canceled once
 *    a label goes and it is no longer there);
 * 5. a created ticket starts when `label` is "" or the ticket carries it;
 *    a requested one always starts;
 * 6. an update starts when it adds the label or moves the ticket into
 *    `start_status`.
 */
export function applyRules(
  event: TicketEvent,
  trigger: Trigger,
  externalSystem: string,
): NormalizeResult {
  const reference = event.draft.externalReference;
  const bot = trigger.botIdentity?.toLowerCase();
  if (bot && event.actorIds.some((id) => id.toLowerCase() === bot)) {
    return {
      kind: "ignored",
      reason: `the event was made by the bot identity ${trigger.botIdentity}`,
    };
  }

  if (event.action === "deleted" || event.action === "closed") {
    return {
      kind: "cancel",
      externalReference: reference,
      reason: `${reference} was ${event.action}`,
    };
  }

  if (event.action === "commented") {
    return commentRule(event, event.comment, trigger, externalSystem);
  }

  const label = trigger.label;
  if (label && includes(event.labelsRemoved, label)) {
    return {
      kind: "cancel",
      externalReference: reference,
      reason: `the label "${label}" was removed from ${reference}`,
    };
  }
  if (
    label &&
    event.unnamedLabelRemoved &&
    !includes(event.draft.labels, label)
  ) {
    // The removed label is unnamed and the label is no longer there: it
    // was the one removed if the run began with it, which only the run
    // knows.
    return {
      kind: "cancel",
      externalReference: reference,
      reason: `the label "${label}" was removed from ${reference}`,
      onlyIfRunLabelled: label,
    };
  }

  const start = startReason(event, trigger);
  if (start === undefined) {
    return { kind: "ignored", reason: ignoredReason(event, trigger) };
  }
  return { kind: "ticket", ticket: toTicket(event.draft, externalSystem) };
}

function startReason(event: TicketEvent, trigger: Trigger): string | undefined {
  const { label, startStatus } = trigger;
  if (event.action === "requested") return "requested";
  if (event.action === "created") {
    if (label === "") return "created";
    if (label && includes(event.draft.labels, label)) return "labelled";
    return undefined;
  }
  if (label && includes(event.labelsAdded, label)) return "labelled";
  if (
    startStatus &&
    event.statusChangedTo !== undefined &&
    event.statusChangedTo.toLowerCase() === startStatus.toLowerCase()
  ) {
    return "transition";
  }
  return undefined;
}

function ignoredReason(event: TicketEvent, trigger: Trigger): string {
  const { label, startStatus } = trigger;
  const wanted: string[] = [];
  if (label) wanted.push(`the label "${label}"`);
  if (event.action === "updated" && startStatus) {
    wanted.push(`a move into "${startStatus}"`);
  }
  if (wanted.length === 0) {
    return event.action === "created"
      ? "the trigger has no label, so created tickets start nothing"
      : "updates start nothing without a trigger label or start_status";
  }
  const what = event.action === "created" ? "created ticket" : "update";
  return `the ${what} does not bring ${wanted.join(" or ")}`;
}

const STOP = /^stop\b[\s.!]*$/i;
const MAX_INSTRUCTION_CHARS = 16 * 1024;

function commentRule(
  event: TicketEvent,
  comment: TicketComment | undefined,
  trigger: Trigger,
  externalSystem: string,
): NormalizeResult {
  const reference = event.draft.externalReference;
  if (!comment) return { kind: "ignored", reason: "the comment is empty" };

  const bot = trigger.botIdentity?.toLowerCase();
  const mentionsBot =
    bot !== undefined &&
    comment.mentions.some((m) => m.id.toLowerCase() === bot);
  const mention = trigger.mention?.trim();
  const mentioned =
    mentionsBot ||
    (mention ? mentionPattern(mention).test(comment.text) : false);
  if (!mentioned) {
    return {
      kind: "ignored",
      reason: mention
        ? `the comment does not mention ${mention}`
        : "the comment does not mention the bot identity",
    };
  }

  let instruction = comment.text;
  if (mention)
    instruction = instruction.replace(mentionPattern(mention, "g"), " ");
  if (bot) {
    for (const { id, shown } of comment.mentions) {
      if (id.toLowerCase() !== bot) continue;
      instruction = instruction.split(shown).join(" ");
    }
  }
  instruction = cut(instruction.trim(), MAX_INSTRUCTION_CHARS);

  if (STOP.test(instruction)) {
    return {
      kind: "cancel",
      externalReference: reference,
      reason: `a comment on ${reference} asked to stop`,
    };
  }
  const ticket = toTicket(event.draft, externalSystem);
  if (instruction === "") return { kind: "ticket", ticket };
  return {
    kind: "ticket",
    ticket,
    followUp: { instruction, author: comment.author },
  };
}

function includes(list: readonly string[] | undefined, value: string) {
  const wanted = value.toLowerCase();
  return list?.some((item) => item.toLowerCase() === wanted) ?? false;
}
