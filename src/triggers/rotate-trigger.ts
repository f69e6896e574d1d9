import { recordAuditEvent } from "../audit/audit-event.ts";
import type { SecretChangeContext } from "../audit/change-context.ts";
import {
  hashToken,
  newSigningSecret,
  newTriggerToken,
} from "../crypto/tokens.ts";
import type { Project } from "../projects/project.ts";
import type { CreatedTrigger } from "./create-trigger.ts";
import { type Trigger, toTrigger } from "./trigger.ts";
import { TRIGGER_DEFAULTS } from "./trigger-settings.ts";

/**
 * Issues a new token and signing secret. The current ones become the
 * previous ones and keep working until the grace period ends, so senders
 * can be switched over without losing a delivery.
 */
export async function rotateTrigger(
  project: Project,
  trigger: Trigger,
  gracePeriodSeconds: number = TRIGGER_DEFAULTS.rotationGraceSeconds,
  context: SecretChangeContext,
): Promise<CreatedTrigger> {
  const token = newTriggerToken();
  const signingSecret = newSigningSecret();
  const expiresAt = new Date(context.now.getTime() + gracePeriodSeconds * 1000);

  const row = await context.db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom("triggers")
      .select(["token_hash", "signing_secret"])
      .where("id", "=", trigger.id)
      .executeTakeFirstOrThrow();
    const updated = await trx
      .updateTable("triggers")
      .set({
        token_hash: hashToken(token),
        signing_secret: context.secretBox.seal(signingSecret),
        previous_token_hash: gracePeriodSeconds > 0 ? current.token_hash : null,
        previous_signing_secret:
          gracePeriodSeconds > 0 ? current.signing_secret : null,
        previous_expires_at:
          gracePeriodSeconds > 0 ? expiresAt.toISOString() : null,
        updated_at: context.now.toISOString(),
      })
      .where("id", "=", trigger.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAuditEvent(trx, {
      actor: context.actor,
      project,
      action: "rotated trigger secrets",
      target: { type: "Trigger", id: trigger.id, details: updated.name },
      ipAddress: context.ipAddress,
      details: { grace_period_s: gracePeriodSeconds },
      at: context.now,
    });
    return updated;
  });

  return { trigger: toTrigger(row, context.now), token, signingSecret };
}

export type { Trigger };
