import type { ReportCall } from "../../outbox/reporter.ts";
import { findInChannel, type Lookup } from "./find-posted.ts";
import { runLinkMarker } from "./mrkdwn.ts";
import { callSlack } from "./web-api.ts";

/**
 * Looks for the first response_url post of an earlier attempt whose
 * answer was lost. Slack answers a response_url post with no id and it
 * carries no metadata, so the post is recognised by what it holds: a
 * message in the command's channel since the run change, posted by this
 * app's bot (the `bot_id` auth.test names for the trigger's bot token),
 * whose text links to this run (the run's URL is unique to it). A person
 * quoting the link is not the bot, and another app's bot is not this one.
 * Needs the bot token, channels:history (groups:history for private
 * channels) and the bot's membership of the channel; without them the
 * lookup comes back `unreadable`.
 */
export async function findResponsePost(
  call: ReportCall,
  channel: string,
): Promise<Lookup> {
  const { bot_id: botId } = await callSlack(call, "auth.test", {});
  if (!botId) {
    return { unreadable: "Slack's auth.test named no bot for bot_token" };
  }
  const marker = runLinkMarker(call.report.runUrl);
  return findInChannel(
    call,
    channel,
    undefined,
    (message): message is { ts: string } => {
      if (typeof message !== "object" || message === null) return false;
      const { ts, text, bot_id } = message as Record<string, unknown>;
      return (
        typeof ts === "string" &&
        bot_id === botId &&
        typeof text === "string" &&
        text.includes(marker)
      );
    },
  );
}
