import { OutboundError } from "../../outbound/outbound-errors.ts";
import type {
  ReportCall,
  Reporter,
  ReportOutcome,
} from "../../outbox/reporter.ts";
import { findPosted, type Lookup, trackingMetadata } from "./find-posted.ts";
import { findResponsePost } from "./find-response-post.ts";
import { slackText } from "./mrkdwn.ts";
import { slackReplyTo } from "./reply-to.ts";
import { postToResponseUrl, SpentResponseUrl } from "./response-url.ts";
import { callSlack, SlackApiError, slackApiUrl } from "./web-api.ts";

const MINUTE_MS = 60 * 1000;
/** Slack lets a response_url post 5 times within 30 minutes. */
const RESPONSE_URL_LIFETIME_MS = 30 * MINUTE_MS;
const RESPONSE_URL_USES = 5;
const RESPONSE_URL_HOSTS = ["hooks.slack.com", "hooks.slack-gov.com"];

/**
 * Keeps one tracking message per run, edited as the run goes on:
 * 1. While the slash command's response_url takes posts, through it:
 *    the first post adds an in-channel message, later ones replace it
 *    (`replace_original`), so a resend replaces rather than adds.
 *    Slack counts from the command; Flowgate from the first post (state
 *    `slack_response_first_used_at`), using report times, and moves on
 *    when Slack says the URL is spent.
 * 2. Afterwards, and for app mentions: chat.postMessage once (in the
 *    mention's thread), then chat.update of that message (state
 *    `slack_channel`, `slack_ts`). The post carries message metadata
 *    naming the run, so a retry after a lost answer finds it (see
 *    postTracked) instead of posting twice.
 * A response_url message cannot be edited with the Web API, so a run
 * that outlives its response_url ends with a second message.
 *
 * The first response_url post cannot be made idempotent by itself: it
 * must add an in-channel message (replace_original would act on the
 * command's ephemeral answer, which Slack does not turn into an
 * in-channel one), and Slack answers it with no id. So when a retry
 * follows an attempt that got no answer, it first reads the channel
 * with the bot token for that post (findResponsePost) and, found,
 * replaces it instead of adding one. Known limit: without a bot token,
 * or when Slack refuses the read (no channels:history, the bot not in
 * the channel), the retry posts again, perhaps a second message, and
 * the attempt's `lookup` says so. Later response_url posts replace the
 * message and are safe to repeat.
 */
export const slackReporter: Reporter = {
  // A slash command's response_url needs no token; the bot token is asked
  // for only when a message must go through the Web API.
  reportsWithoutCredentials: true,

  actions(event, sync) {
    return sync.comment && sync.on[event] ? ["comment"] : [];
  },

  async deliver(call) {
    if (call.action !== "comment") {
      throw new OutboundError(
        `Slack cannot ${call.action}: it keeps a message, nothing more`,
        false,
      );
    }
    const text = slackText(call.report);
    const { slack_channel: channel, slack_ts: ts } = call.state;
    if (channel && ts) return updateMessage(call, channel, ts, text);

    const url = usableResponseUrl(call);
    if (url === undefined) return postTracked(call, text);
    try {
      return await postThroughResponseUrl(call, url, text);
    } catch (error) {
      if (!(error instanceof SpentResponseUrl)) throw error;
      return postTracked(call, text, { slack_response_spent: "true" });
    }
  },

  replyTo: slackReplyTo,
};

function usableResponseUrl(call: ReportCall): string | undefined {
  const url = call.replyTo.response_url;
  const { state } = call;
  if (!url || state.slack_response_spent === "true") return undefined;
  if (Number(state.slack_response_uses ?? 0) >= RESPONSE_URL_USES) {
    return undefined;
  }
  const first = state.slack_response_first_used_at;
  const age = first ? Date.parse(call.report.at) - Date.parse(first) : 0;
  if (age >= RESPONSE_URL_LIFETIME_MS) return undefined;
  return isSlackHook(url, call.credentials) ? url : undefined;
}

/** Slack's own hosts; in tests the host `credentials.api_url` names. */
function isSlackHook(
  url: string,
  credentials: Readonly<Record<string, string>>,
): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  if (credentials.api_url !== undefined) {
    return parsed.origin === new URL(slackApiUrl(credentials)).origin;
  }
  return (
    parsed.protocol === "https:" && RESPONSE_URL_HOSTS.includes(parsed.host)
  );
}

async function postThroughResponseUrl(
  call: ReportCall,
  url: string,
  text: string,
): Promise<ReportOutcome> {
  const uses = Number(call.state.slack_response_uses ?? 0);
  // The first post cannot replace: the command's own answer was
  // ephemeral, and Slack does not turn one into an in-channel message.
  // So a first post is made again only once no earlier attempt's is
  // found (see firstPostLookup).
  const lookup = uses === 0 ? await firstPostLookup(call) : undefined;
  const found = lookup?.found === true;
  // A found post counts the lost attempt's use as well as this one.
  const used = uses + (found ? 2 : 1);
  await postToResponseUrl(call, url, {
    response_type: "in_channel",
    replace_original: uses > 0 || found,
    text,
  });
  return {
    state: {
      slack_response_uses: String(used),
      slack_response_first_used_at:
        call.state.slack_response_first_used_at ?? call.report.at,
    },
    details: {
      via: "response_url",
      use: used,
      ...(lookup ? { lookup: lookup.said } : {}),
    },
  };
}

/**
 * Before a retried first response_url post: did an earlier attempt's
 * post reach the channel, its answer lost? With the bot token the
 * channel is read for it (findResponsePost). Without one, or when Slack
 * refuses the read, nothing can tell, and the post is made again: a
 * second message is possible, and the timeline says so.
 */
async function firstPostLookup(
  call: ReportCall,
): Promise<{ found: boolean; said: string } | undefined> {
  if (call.attempt <= 1) return undefined;
  const maybeTwice =
    "an earlier attempt failed, perhaps after Slack took its post, and " +
    "that post could not be looked for, so this may be a second message: ";
  const { channel } = call.replyTo;
  if (!call.credentials.bot_token || !channel) {
    return {
      found: false,
      said:
        `${maybeTwice}Slack's response_url answers with no id, and ` +
        "finding the post needs credentials.bot_token with " +
        "channels:history",
    };
  }
  let lookup: Lookup;
  try {
    lookup = await findResponsePost(call, channel);
  } catch (error) {
    // A lookup Slack may allow later is retried; one it refuses
    // (a wrong token) must not stop a post the response_url can make.
    if (!(error instanceof OutboundError) || error.transient) throw error;
    lookup = { unreadable: error.message };
  }
  if ("unreadable" in lookup) {
    return { found: false, said: `${maybeTwice}${lookup.unreadable}` };
  }
  return lookup.found
    ? { found: true, said: "found" }
    : { found: false, said: "not found" };
}

/**
 * Posts the tracking message once. A retried message may follow an
 * attempt whose post Slack took but whose answer was lost (a time-out, a
 * reset); so before posting again it looks for that post by its
 * metadata and edits it instead. Without the history scope the lookup
 * cannot be made: the message is posted, perhaps a second time, and the
 * timeline's `lookup` says why.
 */
async function postTracked(
  call: ReportCall,
  text: string,
  extraState: Record<string, string> = {},
): Promise<ReportOutcome> {
  const { channel, thread_ts: threadTs } = call.replyTo;
  if (call.attempt <= 1 || !channel) {
    return postMessage(call, text, extraState);
  }

  const lookup = await findPosted(call, channel, threadTs);
  if ("unreadable" in lookup) {
    const posted = await postMessage(call, text, extraState);
    return {
      ...posted,
      details: {
        ...posted.details,
        lookup:
          "could not look for a post of an earlier attempt, so this may " +
          `be a second message: ${lookup.unreadable}`,
      },
    };
  }
  if (!lookup.found) return postMessage(call, text, extraState);

  const { ts } = lookup.found;
  await callSlack(call, "chat.update", { channel, ts, text });
  return {
    state: { ...extraState, slack_channel: channel, slack_ts: ts },
    details: { via: "chat.update", channel, ts, lookup: "found" },
  };
}

async function postMessage(
  call: ReportCall,
  text: string,
  extraState: Record<string, string> = {},
): Promise<ReportOutcome> {
  const { channel, thread_ts: threadTs } = call.replyTo;
  if (!channel) {
    throw new OutboundError(
      `Run ${call.report.runId}'s Slack request named no channel, and ` +
        "Slack's response_url is spent or absent: there is nowhere to " +
        "post; start runs with the slash command or an app mention",
      false,
    );
  }
  const answer = await callSlack(call, "chat.postMessage", {
    channel,
    text,
    ...(threadTs ? { thread_ts: threadTs } : {}),
    unfurl_links: false,
    unfurl_media: false,
    metadata: trackingMetadata(call),
  });
  if (!answer.ts) {
    throw new OutboundError("Slack's chat.postMessage answered no ts", false);
  }
  const posted = answer.channel ?? channel;
  return {
    state: { ...extraState, slack_channel: posted, slack_ts: answer.ts },
    details: { via: "chat.postMessage", channel: posted, ts: answer.ts },
  };
}

async function updateMessage(
  call: ReportCall,
  channel: string,
  ts: string,
  text: string,
): Promise<ReportOutcome> {
  try {
    await callSlack(call, "chat.update", { channel, ts, text });
  } catch (error) {
    // Someone deleted the tracking message: start a new one.
    if (error instanceof SlackApiError && error.code === "message_not_found") {
      return postTracked(call, text);
    }
    throw error;
  }
  return { details: { via: "chat.update", channel, ts } };
}
