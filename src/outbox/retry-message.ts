import { recordAuditEvent } from "../audit/audit-event.ts";
import type { ChangeContext } from "../audit/change-context.ts";
import type { Project } from "../projects/project.ts";
import { recordTimelineEvent } from "../runs/timeline.ts";
import { readSyncSettings } from "./read-sync-settings.ts";

export type RetryOutcome = "retried" | "not_found" | "not_given_up";

/**
 * Makes a message that gave up pending again, due now, with a fresh
 * give-up time, so that an operator who fixed the cause (a credential,
 * a permission, a workflow status) can resend it. The attempt count is
 * kept: the timeline goes on counting.
 */
export async function retryMessage(
  project: Project,
  runId: number,
  messageId: number,
  context: ChangeContext,
): Promise<RetryOutcome> {
  const { db, now } = context;
  return db.transaction().execute(async (trx) => {
    const message = await trx
      .selectFrom("outbox_messages")
      .leftJoin("triggers", "triggers.id", "outbox_messages.trigger_id")
      .select([
        "outbox_messages.status",
        "outbox_messages.event",
        "outbox_messages.action",
        "triggers.sync",
      ])
      .where("outbox_messages.id", "=", messageId)
      .where("outbox_messages.run_id", "=", runId)
      .where("outbox_messages.project_id", "=", project.id)
      .executeTakeFirst();
    if (!message) return "not_found";
    if (message.status !== "gave_up") return "not_given_up";

    const giveUpAfterMs = readSyncSettings(message.sync ?? "{}").giveUpAfterMs;
    const at = now.toISOString();
    await trx
      .updateTable("outbox_messages")
      .set({
        status: "pending",
        next_attempt_at: at,
        give_up_at: new Date(now.getTime() + giveUpAfterMs).toISOString(),
        updated_at: at,
      })
      .where("id", "=", messageId)
      .where("status", "=", "gave_up")
      .execute();
    await recordTimelineEvent(trx, runId, {
      kind: "sync_retried",
      at: now,
      details: {
        message_id: messageId,
        event: message.event,
        action: message.action,
        by: context.actor.name,
      },
    });
    await recordAuditEvent(trx, {
      actor: context.actor,
      project,
      action: "retried message",
      target: { type: "OutboxMessage", id: messageId },
      details: { run_id: runId, event: message.event, action: message.action },
      ipAddress: context.ipAddress,
      at: now,
    });
    return "retried";
  });
}
