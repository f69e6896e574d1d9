import type { Db } from "../store/database.ts";
import type { RunRow } from "./run-record.ts";

/**
 * How far a watcher of a project's runs has read: the last timeline row
 * (run_events) and the last run it saw. Both are needed because a run
 * is created without a timeline row (its first steps are the run row's
 * own times, run-view.ts), and changes afterwards with one.
 */
export interface RunCursor {
  eventId: number;
  runId: number;
}

// One poll reads at most this many rows of each kind; the next poll
// goes on from where it stopped.
const BATCH_ROWS = 500;

/** Where a new watcher starts: after everything written so far. */
export async function currentRunCursor(
  db: Db,
  projectId: number,
): Promise<RunCursor> {
  const event = await db
    .selectFrom("run_events")
    .select((eb) => eb.fn.max("id").as("id"))
    .executeTakeFirst();
  const run = await db
    .selectFrom("runs")
    .select((eb) => eb.fn.max("id").as("id"))
    .where("project_id", "=", projectId)
    .executeTakeFirst();
  return { eventId: Number(event?.id ?? 0), runId: Number(run?.id ?? 0) };
}

/**
 * The project's runs created or changed after `cursor`, oldest first,
 * each once, and the cursor after them. Rows are read by id, which
 * every process of a deployment writes in one database, so a watcher
 * sees changes made by any of them.
 */
export async function runChangesSince(
  db: Db,
  projectId: number,
  cursor: RunCursor,
): Promise<{ runs: RunRow[]; cursor: RunCursor }> {
  const events = await db
    .selectFrom("run_events")
    .innerJoin("runs", "runs.id", "run_events.run_id")
    .select(["run_events.id as id", "run_events.run_id as runId"])
    .where("runs.project_id", "=", projectId)
    .where("run_events.id", ">", cursor.eventId)
    .orderBy("run_events.id")
    .limit(BATCH_ROWS)
    .execute();
  const created = await db
    .selectFrom("runs")
    .select("id")
    .where("project_id", "=", projectId)
    .where("id", ">", cursor.runId)
    .orderBy("id")
    .limit(BATCH_ROWS)
    .execute();

  const next = {
    eventId: events.at(-1)?.id ?? cursor.eventId,
    runId: created.at(-1)?.id ?? cursor.runId,
  };
  const ids = [
    ...new Set([
      ...created.map((row) => row.id),
      ...events.map((e) => e.runId),
    ]),
  ];
  if (ids.length === 0) return { runs: [], cursor: next };

  const runs = await db
    .selectFrom("runs")
    .selectAll()
    .where("id", "in", ids)
    .orderBy("id")
    .execute();
  return { runs, cursor: next };
}

/** The cursor as an SSE event id, `<event id>.<run id>`. */
export function formatRunCursor(cursor: RunCursor): string {
  return `${cursor.eventId}.${cursor.runId}`;
}

/** A Last-Event-ID this server wrote, or undefined for anything else. */
export function parseRunCursor(value: unknown): RunCursor | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^(\d{1,15})\.(\d{1,15})$/.exec(value.trim());
  if (!match) return undefined;
  return { eventId: Number(match[1]), runId: Number(match[2]) };
}
