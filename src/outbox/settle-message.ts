import type { Updateable } from "kysely";
import { recordTimelineEvent } from "../runs/timeline.ts";
import type { Db } from "../store/database.ts";
import type { OutboxMessageTable } from "../store/schema.ts";
import type { OutboxRow } from "./outbox-message.ts";

/**
 * Records a delivered message: its status, the state it leaves for the
 * run's later messages and its timeline event, in one transaction, and
 * only while this dispatcher still holds the message (a dispatcher whose
 * lease ran out must not overwrite the one that took over).
 */
export async function markDelivered(
  db: Db,
  message: OutboxRow,
  outcome: { state: Record<string, string>; details: Record<string, unknown> },
  at: Date,
  durationMs: number,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const settled = await settleHeld(trx, message, {
      status: "delivered",
      delivered_at: at.toISOString(),
      updated_at: at.toISOString(),
      last_error: null,
    });
    if (!settled) return;

    if (Object.keys(outcome.state).length > 0) {
      const run = await trx
        .selectFrom("runs")
        .select("sync_state")
        .where("id", "=", message.run_id)
        .executeTakeFirstOrThrow();
      const state = {
        ...(JSON.parse(run.sync_state) as Record<string, string>),
        ...outcome.state,
      };
      await trx
        .updateTable("runs")
        .set({ sync_state: JSON.stringify(state) })
        .where("id", "=", message.run_id)
        .execute();
    }
    await recordTimelineEvent(trx, message.run_id, {
      kind: "synced",
      at,
      durationMs,
      details: {
        message_id: message.id,
        event: message.event,
        action: message.action,
        attempt: message.attempts,
        ...outcome.details,
      },
    });
  });
}

/** Records a failed attempt: due again at `retryAt`, or given up. */
export async function markFailed(
  db: Db,
  message: OutboxRow,
  failure: { error: string; retryAt: Date | undefined },
  at: Date,
  durationMs: number,
): Promise<void> {
  const givingUp = failure.retryAt === undefined;
  await db.transaction().execute(async (trx) => {
    const settled = await settleHeld(trx, message, {
      status: givingUp ? "gave_up" : "pending",
      next_attempt_at: (failure.retryAt ?? at).toISOString(),
      updated_at: at.toISOString(),
      last_error: failure.error,
    });
    if (!settled) return;
    await recordTimelineEvent(trx, message.run_id, {
      kind: givingUp ? "sync_gave_up" : "sync_retry_scheduled",
      at,
      durationMs,
      details: {
        message_id: message.id,
        event: message.event,
        action: message.action,
        attempt: message.attempts,
        error: failure.error,
        ...(failure.retryAt ? { retry_at: failure.retryAt.toISOString() } : {}),
      },
    });
  });
}

/** Records a message not sent because a newer one of its kind was
 * delivered to the same ticket first (outbox-message.ts). */
export async function markSuperseded(
  db: Db,
  message: OutboxRow,
  newerId: number,
  at: Date,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const settled = await settleHeld(trx, message, {
      status: "superseded",
      updated_at: at.toISOString(),
    });
    if (!settled) return;
    await recordTimelineEvent(trx, message.run_id, {
      kind: "sync_superseded",
      at,
      details: {
        message_id: message.id,
        event: message.event,
        action: message.action,
        superseded_by: newerId,
      },
    });
  });
}

/**
 * Moves a pending message this dispatcher still holds to its next state
 * and releases it; false when the lease went to another dispatcher,
 * whose outcome must not be overwritten.
 */
async function settleHeld(
  trx: Db,
  message: OutboxRow,
  changes: Omit<
    Updateable<OutboxMessageTable>,
    "locked_by" | "locked_until" | "id"
  >,
): Promise<boolean> {
  const result = await trx
    .updateTable("outbox_messages")
    .set({ ...changes, locked_by: null, locked_until: null })
    .where("id", "=", message.id)
    .where("locked_by", "=", message.locked_by)
    .where("status", "=", "pending")
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
