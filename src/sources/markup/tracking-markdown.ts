import type { TrackingMessage } from "../../outbox/tracking-message.ts";

/**
 * The tracking comment in Markdown, as GitHub and Linear render it: the
 * headline in bold, each line a paragraph, then the links on one line.
 * The run's URL (the marker) is a link target, written as it is.
 */
export function trackingMarkdown(message: TrackingMessage): string {
  const links = message.links
    .map((link) => `[${escapeText(link.text)}](${linkTarget(link.url)})`)
    .join(" · ");
  return [
    `**${escapeText(message.headline)}**`,
    ...message.lines.map(escapeText),
    links,
  ].join("\n\n");
}

/**
 * True when the marker occurs in the body as a whole URL: run 7's URL
 * is a prefix of run 70's, so the next character must not go on with
 * the path.
 */
export function hasMarker(body: string, marker: string): boolean {
  for (
    let at = body.indexOf(marker);
    at !== -1;
    at = body.indexOf(marker, at + 1)
  ) {
    const next = body.charAt(at + marker.length);
    if (!/[\w\-.~%/]/.test(next)) return true;
  }
  return false;
}

// A line may quote a failure reason or a branch name: escaped, it stays
// text, so it cannot become a link, emphasis or HTML (a forged marker).
function escapeText(text: string): string {
  return text.replace(/[\\`*_[\]<>~|]/g, "\\$&");
}

function linkTarget(url: string): string {
  return url.replace(/[()<>\s]/g, (char) => encodeURIComponent(char));
}
