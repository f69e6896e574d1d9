import type { Db } from "../../store/database.ts";

/** The last thing a run's executor noted of its remote work. */
export interface RemoteCheckpoint {
  kind: "remote_requested" | "remote_started";
  at: string;
  details: Record<string, unknown>;
  /** An admin retried the run after it: a person asked for a redo. */
  retriedSince: boolean;
}

// Enough to see past any number of status changes to the start: an
// executor notes at most one status per poll and few polls change it.
const SCAN_LIMIT = 500;

/**
 * The newest request or start of remote work this executor noted for
 * the run, from its timeline: what a retried run follows instead of
 * starting more work.
 */
export async function lastRemoteCheckpoint(
  db: Db,
  runId: number,
  executor: string,
): Promise<RemoteCheckpoint | undefined> {
  const rows = await db
    .selectFrom("run_events")
    .select(["kind", "at", "details"])
    .where("run_id", "=", runId)
    .where("kind", "in", ["remote_requested", "remote_started", "retried"])
    .orderBy("id", "desc")
    .limit(SCAN_LIMIT)
    .execute();

  let retriedSince = false;
  for (const row of rows) {
    if (row.kind === "retried") {
      retriedSince = true;
      continue;
    }
    const details = JSON.parse(row.details) as Record<string, unknown>;
    if (details.executor !== executor) continue;
    return {
      kind: row.kind as RemoteCheckpoint["kind"],
      at: row.at,
      details,
      retriedSince,
    };
  }
  return undefined;
}
