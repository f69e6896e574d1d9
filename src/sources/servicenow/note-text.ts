import type { RunReport } from "../../outbox/run-report.ts";
import { trackingMessage } from "../../outbox/tracking-message.ts";

export interface Note {
  text: string;
  /** The note's last line, found again by a `LIKE` query. */
  marker: string;
}

/**
 * A run event as a plain-text journal entry. Journal entries cannot be
 * edited, so each event gets its own, and its marker names the event
 * and its time as well as the run: a retried run's second `started` is
 * a new note, a resent message for the same change is not.
 */
export function noteText(report: RunReport): Note {
  const message = trackingMessage(report);
  // `^` separates the terms of an encoded query; the marker is one.
  const marker =
    `[flowgate run ${report.runId}: ${report.event} ${report.at}] ` +
    report.runUrl.replaceAll("^", "%5E");
  const links = message.links
    .filter((link) => link.url !== report.runUrl)
    .map((link) => `${link.text}: ${link.url}`);
  const paragraphs = [message.headline, ...message.lines, ...links, marker];
  return { text: paragraphs.join("\n\n"), marker };
}
