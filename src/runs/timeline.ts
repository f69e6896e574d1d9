import { type QueryExecutorProvider, sql } from "kysely";

/** The steps a run's timeline names (DESIGN.md §5), plus follow-ups and
 * what the forge later says of the run's merge request. */
export type TimelineKind =
  | "received"
  | "verified"
  | "queued"
  | "follow_up"
  // Follow-ups still pending when a run succeeded, moved to a new run.
  | "follow_ups_handed_on"
  | "follow_ups_taken_over"
  | "started"
  | "branch_created"
  | "branch_reused"
  | "executed"
  // A remote executor's work on the forge: asked for, known by its id,
  // its status changing, waiting for a person there.
  | "remote_requested"
  | "remote_started"
  | "remote_status"
  | "action_required"
  | "committed"
  | "pushed"
  | "merge_request_opened"
  | "merge_request_reused"
  | "synced"
  | "sync_retry_scheduled"
  | "sync_gave_up"
  | "sync_retried"
  | "sync_superseded"
  | "retry_scheduled"
  | "canceled"
  | "retried"
  | "finished"
  | "merged"
  | "merge_request_closed";

export interface TimelineEvent {
  kind: TimelineKind;
  at: Date;
  durationMs?: number;
  details?: Record<string, unknown>;
}

/** Appends one event to a run's timeline. */
export async function recordTimelineEvent(
  db: QueryExecutorProvider,
  runId: number,
  event: TimelineEvent,
): Promise<void> {
  await recordTimelineEvents(db, runId, [event]);
}

/** Appends several events in one statement, in the order given. */
export async function recordTimelineEvents(
  db: QueryExecutorProvider,
  runId: number,
  events: readonly TimelineEvent[],
): Promise<void> {
  // A `sql` template rather than the builder: it runs for every delivery.
  const rows = events.map(
    (event) =>
      sql`(${runId}, ${event.kind}, ${event.at.toISOString()},
        ${event.durationMs ?? null}, ${JSON.stringify(event.details ?? {})})`,
  );
  await sql`
    insert into run_events (run_id, kind, at, duration_ms, details)
    values ${sql.join(rows)}`.execute(db);
}
