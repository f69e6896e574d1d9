import type { Db } from "../store/database.ts";
import {
  LATEST_WINS,
  type OutboxAction,
  type OutboxRow,
} from "./outbox-message.ts";

/**
 * The newer message of the same run, trigger and action that was
 * delivered already, when this one says where the run stands (a
 * comment, a transition): sending it now would roll the ticket back.
 * Undefined for other actions and for the newest message.
 */
export async function supersededBy(
  db: Db,
  message: OutboxRow,
): Promise<number | undefined> {
  if (!LATEST_WINS.includes(message.action as OutboxAction)) return undefined;
  if (message.trigger_id === null) return undefined;
  const newer = await db
    .selectFrom("outbox_messages")
    .select("id")
    .where("run_id", "=", message.run_id)
    .where("trigger_id", "=", message.trigger_id)
    .where("action", "=", message.action)
    .where("id", ">", message.id)
    .where("status", "=", "delivered")
    .orderBy("id", "desc")
    .executeTakeFirst();
  return newer?.id;
}
