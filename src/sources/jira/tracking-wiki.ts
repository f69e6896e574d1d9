import type { TrackingMessage } from "../../outbox/tracking-message.ts";

/**
 * The tracking comment in Jira wiki markup (Data Center, REST v2). The
 * run's link is written `[text|url]`, so the marker stays in the text as
 * it is.
 */
export function trackingWiki(message: TrackingMessage): string {
  const links = message.links
    .map((link) => `[${escapeWiki(link.text)}|${linkTarget(link.url)}]`)
    .join(" · ");
  return [
    `*${escapeWiki(message.headline)}*`,
    ...message.lines.map(escapeWiki),
    links,
  ]
    .filter((paragraph) => paragraph !== "")
    .join("\n\n");
}

/**
 * Run text (an error, a branch) may hold wiki markup. Escaped are the
 * characters that make links, user mentions (`[~name]`), macros
 * (`{code}`), tables, images and bold; other formatting only changes
 * how a word looks, and escaping it would break bare URLs.
 */
function escapeWiki(value: string): string {
  return value
    .replace(/\s*[\r\n]+\s*/g, " ")
    .replace(/[\\[\]{}|!*]/g, (character) => `\\${character}`);
}

/** A link target ends at `|` or `]`; the few characters that would end
 * it early are percent-encoded. */
function linkTarget(url: string): string {
  return url.replace(/[|[\]\s]/g, (character) => encodeURIComponent(character));
}
