/** One execution of a job, from its "job started" to its "job ended"
 * log line, in milliseconds since the epoch. */
export interface Execution {
  jobId: number;
  projectId: number;
  /** Which worker process ran it. */
  process: string;
  start: number;
  end: number | undefined;
}

/** A log line's `time` (pino writes an ISO string) in milliseconds;
 * throws rather than let a time that does not parse compare as NaN,
 * which every comparison would pass. */
export function logTime(value: unknown): number {
  const at = typeof value === "number" ? value : Date.parse(String(value));
  if (!Number.isFinite(at)) {
    throw new Error(`a log line's time does not parse: ${String(value)}`);
  }
  return at;
}

/**
 * Moments where more than `limit` executions of one group overlapped,
 * as "group at time: count for how long". An execution counts from its start to its
 * end less `slackMs`: a job's end is logged just after the database
 * let go of it, so its successor's start may be logged a little before.
 */
export function overlaps(
  executions: Execution[],
  group: (execution: Execution) => string,
  limit: number,
  slackMs = 0,
): string[] {
  const found: string[] = [];
  const byGroup = new Map<string, Execution[]>();
  for (const execution of executions) {
    const key = group(execution);
    byGroup.set(key, [...(byGroup.get(key) ?? []), execution]);
  }
  for (const [key, list] of byGroup) {
    const edges = list.flatMap((execution) => {
      const start = logTime(execution.start);
      const end = logTime(execution.end);
      return [
        { at: start, change: 1 },
        { at: Math.max(start, end - slackMs), change: -1 },
      ];
    });
    // Ends before starts at the same millisecond: a handover, not overlap.
    edges.sort((a, b) => a.at - b.at || a.change - b.change);
    let running = 0;
    for (const [index, edge] of edges.entries()) {
      running += edge.change;
      if (running <= limit) continue;
      const until = edges[index + 1]?.at ?? edge.at;
      found.push(`${key} at ${edge.at}: ${running} for ${until - edge.at} ms`);
    }
  }
  return found;
}
