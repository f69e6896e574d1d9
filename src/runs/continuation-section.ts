import type { ExecutionResult } from "../executors/executor.ts";

const START = (runId: number) => `<!-- flowgate-run:${runId} -->`;
const END = (runId: number) => `<!-- /flowgate-run:${runId} -->`;

export interface ContinuingRun {
  runId: number;
  runUrl: string;
  result: Pick<ExecutionResult, "summary" | "complete" | "stopped">;
}

/**
 * The section a run that continued an open merge request adds to its
 * description: what the run did and, when it stopped short, why, with
 * the Incomplete notice. Marked by the run's id so that a retried run
 * replaces its own section instead of adding a second one.
 */
export function continuationSection(run: ContinuingRun): string {
  const { result } = run;
  const parts = [
    `## Run [${run.runId}](${run.runUrl})`,
    START(run.runId),
    result.summary.trim(),
  ];
  if (result.stopped) {
    parts.push(
      `> **Incomplete:** ${result.stopped}. What it did so far is ` +
        "committed on this branch; review before merging.",
    );
  } else if (!result.complete) {
    parts.push(
      "> **Incomplete:** this run did not implement what was asked; " +
        "it holds what the workflow could do. Review before merging.",
    );
  }
  parts.push(END(run.runId));
  return parts.join("\n\n");
}

/** Whether a description has a section of the run: it continued the
 * merge request (rather than opened it) on an earlier attempt. */
export function hasContinuation(description: string, runId: number): boolean {
  return description.includes(START(runId));
}

/** The description with the run's section added, or its old one replaced. */
export function withContinuation(
  description: string,
  run: ContinuingRun,
): string {
  const section = continuationSection(run);
  const start = description.indexOf(START(run.runId));
  const end = description.indexOf(END(run.runId));
  if (start >= 0 && end > start) {
    // From the heading line before the start marker to the end marker.
    const heading = description.lastIndexOf("\n## Run ", start);
    const from = heading >= 0 ? heading + 1 : start;
    const to = end + END(run.runId).length;
    return description.slice(0, from) + section + description.slice(to);
  }
  return `${description.trimEnd()}\n\n${section}\n`;
}
