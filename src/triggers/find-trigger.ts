import type { Db } from "../store/database.ts";
import { type Trigger, toTrigger } from "./trigger.ts";

/** The project's trigger whose current, or still valid previous, token
 * hashes to `tokenHash`. */
export async function findTriggerByTokenHash(
  db: Db,
  projectId: number,
  tokenHash: string,
  now: Date,
): Promise<Trigger | undefined> {
  const row = await db
    .selectFrom("triggers")
    .selectAll()
    .where("project_id", "=", projectId)
    .where((where) =>
      where.or([
        where("token_hash", "=", tokenHash),
        where.and([
          where("previous_token_hash", "=", tokenHash),
          where("previous_expires_at", ">", now.toISOString()),
        ]),
      ]),
    )
    .executeTakeFirst();
  return row && toTrigger(row, now);
}

export async function findTrigger(
  db: Db,
  projectId: number,
  triggerId: number,
  now: Date,
): Promise<Trigger | undefined> {
  const row = await db
    .selectFrom("triggers")
    .selectAll()
    .where("project_id", "=", projectId)
    .where("id", "=", triggerId)
    .executeTakeFirst();
  return row && toTrigger(row, now);
}
