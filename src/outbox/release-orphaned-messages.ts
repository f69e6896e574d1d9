import type { Db } from "../store/database.ts";

/** Frees every pending message's lease at once; returns how many. Only
 * for a store that a single process owns (SQLite), where a lease can
 * only be a dead predecessor's: its messages need not wait for it. */
export async function releaseOrphanedMessages(
  db: Db,
  now: Date,
): Promise<number> {
  const result = await db
    .updateTable("outbox_messages")
    .set({
      locked_by: null,
      locked_until: null,
      updated_at: now.toISOString(),
    })
    .where("status", "=", "pending")
    .where("locked_by", "is not", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
