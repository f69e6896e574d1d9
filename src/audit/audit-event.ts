import { type QueryExecutorProvider, sql } from "kysely";
import { RowsStatement } from "../store/rows-statement.ts";

/** Who did something: the admin, a trigger's sender, or Flowgate itself. */
export interface Actor {
  id: number;
  name: string;
}

export const SYSTEM_ACTOR: Actor = { id: 0, name: "Flowgate" };
export const ANONYMOUS_ACTOR: Actor = { id: 0, name: "unauthenticated sender" };
export const ADMIN_ACTOR: Actor = { id: 1, name: "instance admin" };

/** A sender authenticated by a trigger's secret. It is not a user, so its
 * author_id is 0 (as GitLab's system actor); the name says which trigger. */
export function triggerActor(triggerId: number): Actor {
  return { id: 0, name: `trigger ${triggerId}` };
}

export interface AuditEventInput {
  actor: Actor;
  project: { id: number; path: string };
  /** What happened, as a short phrase: "created trigger", "refused delivery". */
  action: string;
  target?: { type: string; id: number | null; details?: string };
  ipAddress?: string | null;
  details?: Record<string, unknown>;
  at: Date;
}

/** Appends an audit event; call it inside the transaction of the change. */
export async function recordAuditEvent(
  db: QueryExecutorProvider,
  event: AuditEventInput,
): Promise<void> {
  await recordAuditEvents(db, [event]);
}

/** Appends several audit events in one statement. */
export async function recordAuditEvents(
  db: QueryExecutorProvider,
  events: readonly AuditEventInput[],
): Promise<void> {
  if (events.length === 0) return;
  // Not the query builder: this runs for every delivery and every run
  // step, and a statement compiled once per row count costs a fraction.
  await INSERT_AUDIT_EVENTS.execute(
    db,
    events.map((event) => [
      event.actor.id,
      event.actor.name,
      "Project",
      event.project.id,
      event.project.path,
      event.action,
      event.target?.type ?? null,
      event.target?.id ?? null,
      event.target?.details ?? null,
      event.ipAddress ?? null,
      JSON.stringify(event.details ?? {}),
      event.at.toISOString(),
    ]),
  );
}

const INSERT_AUDIT_EVENTS = new RowsStatement(
  12,
  (values) => sql`
    insert into audit_events (author_id, author_name, entity_type,
      entity_id, entity_path, action, target_type, target_id,
      target_details, ip_address, details, created_at)
    values ${values}`,
);
