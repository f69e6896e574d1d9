import { OutboundError } from "../outbound/outbound-errors.ts";
import { UndeliverableError } from "./deliver-message.ts";
import type { OutboxRow } from "./outbox-message.ts";

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
export const BACKOFF_BASE_MS = 1 * SECOND_MS;
export const BACKOFF_MAX_MS = 10 * MINUTE_MS;
/** The least wait a server's Retry-After buys: `Retry-After: 0` (or a
 * date in the past) must not make a message retry in a tight loop. */
export const RETRY_AFTER_FLOOR_MS = 1 * SECOND_MS;

/** What follows a failed attempt: another at `retryAt`, or giving up
 * with the reason the message keeps. */
export type NextAttempt = { retryAt: Date } | { giveUp: true; reason: string };

/**
 * The retry policy. A refusal or a message with nowhere to go gives up
 * at once; other failures (5xx, 429, time-outs, the database briefly
 * away) retry at the server's Retry-After when it gave one (at least
 * RETRY_AFTER_FLOOR_MS), else after an exponential backoff with full
 * jitter: a delay drawn uniformly from zero to a ceiling that doubles
 * with each attempt from BACKOFF_BASE_MS up to BACKOFF_MAX_MS. No retry
 * is due past the message's give-up time; a failure at or after it
 * gives up, saying that the time ran out.
 */
export function nextAttempt(
  message: Pick<OutboxRow, "attempts" | "give_up_at">,
  error: Error,
  at: Date,
  random: () => number,
): NextAttempt {
  if (error instanceof UndeliverableError) {
    return { giveUp: true, reason: error.message };
  }
  if (error instanceof OutboundError && !error.transient) {
    return { giveUp: true, reason: error.message };
  }
  const giveUpAt = Date.parse(message.give_up_at);
  if (at.getTime() >= giveUpAt) {
    return {
      giveUp: true,
      reason:
        `its time ran out at ${message.give_up_at} (sync.give_up_after_s, ` +
        `24 h by default) after ${message.attempts} attempts; the last ` +
        `one: ${error.message}`,
    };
  }
  const asked = error instanceof OutboundError ? error.retryAfterMs : undefined;
  const delay =
    asked === undefined
      ? Math.round(backoffCeilingMs(message.attempts) * random())
      : Math.max(asked, RETRY_AFTER_FLOOR_MS);
  return { retryAt: new Date(Math.min(at.getTime() + delay, giveUpAt)) };
}

/** The largest backoff after `attempts` attempts. */
export function backoffCeilingMs(attempts: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempts - 1));
}
