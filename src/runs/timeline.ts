import type { Db } from "../store/database.ts";

/** The steps a run's timeline names (DESIGN.md §5), plus follow-ups. */
export type TimelineKind =
  | "received"
  | "verified"
  | "queued"
  | "follow_up"
  | "started"
  | "branch_created"
  | "branch_reused"
  | "executed"
  | "committed"
  | "pushed"
  | "merge_request_opened"
  | "merge_request_reused"
  | "synced"
  | "retry_scheduled"
  | "canceled"
  | "retried"
  | "finished";

export interface TimelineEvent {
  kind: TimelineKind;
  at: Date;
  durationMs?: number;
  details?: Record<string, unknown>;
}

/** Appends one event to a run's timeline. */
export async function recordTimelineEvent(
  db: Db,
  runId: number,
  event: TimelineEvent,
): Promise<void> {
  await recordTimelineEvents(db, runId, [event]);
}

/** Appends several events in one statement, in the order given. */
export async function recordTimelineEvents(
  db: Db,
  runId: number,
  events: readonly TimelineEvent[],
): Promise<void> {
  await db
    .insertInto("run_events")
    .values(
      events.map((event) => ({
        run_id: runId,
        kind: event.kind,
        at: event.at.toISOString(),
        duration_ms: event.durationMs ?? null,
        details: JSON.stringify(event.details ?? {}),
      })),
    )
    .execute();
}
