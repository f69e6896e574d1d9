import type { Db } from "../store/database.ts";
import type { OutboxRow } from "./outbox-message.ts";

/**
 * Extends the lease of a message this dispatcher holds while it is
 * still being sent. False when the dispatcher no longer holds it (its
 * lease lapsed and another took it, or it was settled).
 */
export async function renewMessageLease(
  db: Db,
  message: Pick<OutboxRow, "id" | "locked_by">,
  until: Date,
): Promise<boolean> {
  const renewed = await db
    .updateTable("outbox_messages")
    .set({ locked_until: until.toISOString() })
    .where("id", "=", message.id)
    .where("locked_by", "=", message.locked_by)
    .where("status", "=", "pending")
    .executeTakeFirst();
  return Number(renewed.numUpdatedRows) === 1;
}
