import type { MergeRequestNote } from "../forges/forge.ts";
import {
  followUpSection,
  type RecordedFollowUp,
} from "./merge-request-text.ts";

export interface RunNoteInput {
  runId: number;
  runUrl: string;
  /** The merge request was open before this run: the run continued it. */
  continued: boolean;
  followUps: readonly RecordedFollowUp[];
  summary: string;
  complete: boolean;
  /** Why the executor stopped short, when it did. */
  stopped: string | undefined;
}

/**
 * The note a run leaves on its merge request, or none: a run that opened
 * the merge request said everything in its description. A run that
 * continued one says what it was asked and what it did; a run that
 * stopped short says why. One note per run, so a retry adds none.
 *
 * The summary is the model's words about ticket text and the follow-ups
 * are ticket text: both are quoted line by line, so that no line of
 * theirs starts with `/` and becomes one of GitLab's quick actions.
 */
export function runNote(input: RunNoteInput): MergeRequestNote | undefined {
  if (!input.continued && !input.stopped) return undefined;
  const run = `Flowgate run [${input.runId}](${input.runUrl})`;
  const sections: string[] = [];

  if (input.stopped) {
    sections.push(
      `**Incomplete:** ${run} stopped before it finished: ` +
        `${oneLine(input.stopped)}. The branch holds what it did; the run ` +
        "is failed and runs again only when retried.",
    );
  } else {
    sections.push(
      `${run} pushed new work to this merge request.` +
        (input.complete
          ? ""
          : " It does not implement the ticket in full: review before merging."),
    );
  }
  sections.push(...input.followUps.map(followUpSection));
  const summary = input.summary.trim();
  if (summary) sections.push(`### Summary\n\n${quoted(summary)}`);

  return { key: `run-${input.runId}`, body: sections.join("\n\n") };
}

function quoted(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => `> ${line}`.trimEnd())
    .join("\n");
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim().replace(/\.$/, "");
}
