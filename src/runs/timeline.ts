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
  await db
    .insertInto("run_events")
    .values({
      run_id: runId,
      kind: event.kind,
      at: event.at.toISOString(),
      duration_ms: event.durationMs ?? null,
      details: JSON.stringify(event.details ?? {}),
    })
    .execute();
}
