import type { ReportCall } from "../../outbox/reporter.ts";
import { callSlack, SlackApiError } from "./web-api.ts";

/** The message metadata's type on every tracking message Flowgate posts. */
export const TRACKING_EVENT_TYPE = "flowgate_run_tracking";

const SECOND_MS = 1000;
// Clocks differ; a post is never made before the change it reports.
const CLOCK_SKEW_MS = 60 * SECOND_MS;
const PAGE_SIZE = 100;
// Five pages after the change cover a busy channel for the minutes a
// lost answer takes to be retried; past that, posting again is the
// lesser harm than reading the channel's whole history.
const MAX_PAGES = 5;

/** The metadata chat.postMessage carries, which finds the post again. */
export function trackingMetadata(call: ReportCall) {
  return {
    event_type: TRACKING_EVENT_TYPE,
    event_payload: {
      run_id: call.report.runId,
      run_url: call.report.runUrl,
      message_id: call.messageId,
    },
  };
}

export type Lookup =
  | { found: { channel: string; ts: string } }
  | { found: undefined }
  /** Slack would not let the bot read the channel (missing_scope,
   * not_in_channel, channel_not_found). */
  | { unreadable: string };

/** Slack's refusals to let the bot read a channel: no scope, or not a
 * member (channel_not_found for a private channel it is not in). */
const UNREADABLE = new Set([
  "missing_scope",
  "not_in_channel",
  "channel_not_found",
]);

/**
 * Looks for the tracking message an earlier attempt posted, whose answer
 * was lost: a message in the channel (or the mention's thread) since the
 * run change, whose metadata names this run's URL. A message typed in
 * Slack carries no metadata, so a person quoting the run's URL is not
 * mistaken for it.
 * Needs channels:history (groups:history for private channels); without
 * it Slack answers missing_scope and the caller posts again.
 */
export function findPosted(
  call: ReportCall,
  channel: string,
  threadTs: string | undefined,
): Promise<Lookup> {
  return findInChannel(call, channel, threadTs, (message) =>
    isTrackingOf(message, call.report.runUrl),
  );
}

/**
 * Reads the channel (or thread) since the run change, newest first, for
 * a message that `matches`. A refusal to read comes back as
 * `unreadable`; other errors are thrown (a transient one is retried).
 */
export async function findInChannel(
  call: ReportCall,
  channel: string,
  threadTs: string | undefined,
  matches: (message: unknown) => message is { ts: string },
): Promise<Lookup> {
  const oldest = (Date.parse(call.report.at) - CLOCK_SKEW_MS) / SECOND_MS;
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const query = {
      channel,
      oldest: oldest.toFixed(6),
      limit: PAGE_SIZE,
      include_all_metadata: true,
      ...(threadTs ? { ts: threadTs } : {}),
      ...(cursor ? { cursor } : {}),
    };
    let answer: Awaited<ReturnType<typeof callSlack>>;
    try {
      answer = await callSlack(
        call,
        threadTs ? "conversations.replies" : "conversations.history",
        query,
      );
    } catch (error) {
      if (error instanceof SlackApiError && UNREADABLE.has(error.code)) {
        return { unreadable: error.message };
      }
      throw error;
    }

    const ours = (answer.messages ?? []).find(matches);
    if (ours) return { found: { channel, ts: ours.ts } };
    cursor = answer.response_metadata?.next_cursor || undefined;
    if (!answer.has_more || !cursor) break;
  }
  return { found: undefined };
}

function isTrackingOf(
  message: unknown,
  runUrl: string,
): message is { ts: string } {
  if (typeof message !== "object" || message === null) return false;
  const { ts, metadata } = message as { ts?: unknown; metadata?: unknown };
  if (typeof ts !== "string" || typeof metadata !== "object" || !metadata) {
    return false;
  }
  const { event_type: type, event_payload: payload } = metadata as {
    event_type?: unknown;
    event_payload?: { run_url?: unknown };
  };
  return type === TRACKING_EVENT_TYPE && payload?.run_url === runUrl;
}
