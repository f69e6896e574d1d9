import type { Db } from "../store/database.ts";

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
  db: Db,
  event: AuditEventInput,
): Promise<void> {
  await db
    .insertInto("audit_events")
    .values({
      author_id: event.actor.id,
      author_name: event.actor.name,
      entity_type: "Project",
      entity_id: event.project.id,
      entity_path: event.project.path,
      action: event.action,
      target_type: event.target?.type ?? null,
      target_id: event.target?.id ?? null,
      target_details: event.target?.details ?? null,
      ip_address: event.ipAddress ?? null,
      details: JSON.stringify(event.details ?? {}),
      created_at: event.at.toISOString(),
    })
    .execute();
}
