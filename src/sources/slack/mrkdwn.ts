import type { RunReport } from "../../outbox/run-report.ts";
import { trackingMessage } from "../../outbox/tracking-message.ts";

/**
 * The tracking message in Slack's mrkdwn: the headline in bold, a line
 * per paragraph, then the links, the run's among them (its marker).
 * Slack reads `&`, `<` and `>` as markup, so text escapes them.
 */
export function slackText(report: RunReport): string {
  const message = trackingMessage(report);
  const links = message.links
    .map((link) => `<${linkTarget(link.url)}|${escapeMarkup(link.text)}>`)
    .join(" · ");
  return [
    `*${escapeMarkup(message.headline)}*`,
    ...message.lines.map(escapeMarkup),
    links,
  ]
    .filter((line) => line !== "")
    .join("\n");
}

/** How the run's link opens in the message text: `<url|`. Unique per
 * run, and the `|` keeps run 12's link from matching run 120's. */
export function runLinkMarker(runUrl: string): string {
  return `<${linkTarget(runUrl)}|`;
}

function escapeMarkup(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;");
}

/** Inside `<url|text>` a `|` or `>` would end the URL early. */
function linkTarget(url: string): string {
  return url
    .replaceAll("|", "%7C")
    .replaceAll("<", "%3C")
    .replaceAll(">", "%3E");
}
