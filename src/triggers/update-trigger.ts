import type { Updateable } from "kysely";
import { recordAuditEvent } from "../audit/audit-event.ts";
import type { SecretChangeContext } from "../audit/change-context.ts";
import type { Project } from "../projects/project.ts";
import type { TriggerTable } from "../store/schema.ts";
import { agentChanges } from "./agent-columns.ts";
import { checkCallbackUrl } from "./check-callback-url.ts";
import { checkSigningSecret } from "./check-signing-secret.ts";
import { type Trigger, toTrigger } from "./trigger.ts";
import type { UpdateTriggerInput } from "./trigger-settings.ts";
import { TriggerSettingsError } from "./trigger-settings-error.ts";

/** Applies a partial change; names of changed fields go to the audit log. */
export async function updateTrigger(
  project: Project,
  trigger: Trigger,
  input: UpdateTriggerInput,
  context: SecretChangeContext,
): Promise<Trigger> {
  const workflowTypes = input.workflow_types ?? trigger.workflowTypes;
  const defaultWorkflowType =
    input.default_workflow_type ??
    (workflowTypes.includes(trigger.defaultWorkflowType)
      ? trigger.defaultWorkflowType
      : workflowTypes[0]);
  if (!defaultWorkflowType || !workflowTypes.includes(defaultWorkflowType)) {
    throw new TriggerSettingsError(
      "default_workflow_type",
      "must be one of workflow_types",
    );
  }

  if (context.outboundPolicy) {
    checkCallbackUrl(input.sync?.callback_url, context.outboundPolicy);
  }

  const changes: Updateable<TriggerTable> = {
    workflow_types: JSON.stringify(workflowTypes),
    default_workflow_type: defaultWorkflowType,
    updated_at: context.now.toISOString(),
  };
  if (input.name !== undefined) changes.name = input.name;
  if (input.auth !== undefined) changes.auth = input.auth;
  if (input.rate_limit !== undefined) {
    changes.rate_limit = input.rate_limit.limit;
    changes.rate_window_s = input.rate_limit.window_s;
  }
  if (input.branch_template !== undefined) {
    changes.branch_template = input.branch_template;
  }
  if (input.executor !== undefined) changes.executor = input.executor;
  if (input.label !== undefined) changes.label = input.label;
  if (input.mention !== undefined) changes.mention = input.mention;
  if (input.enabled !== undefined) changes.enabled = input.enabled ? 1 : 0;
  if (input.sync !== undefined) changes.sync = JSON.stringify(input.sync);
  if (input.bot_identity !== undefined) {
    changes.bot_identity = input.bot_identity;
  }
  if (input.start_status !== undefined) {
    changes.start_status = input.start_status;
  }
  if (input.acceptance_criteria_field !== undefined) {
    changes.acceptance_criteria_field = input.acceptance_criteria_field;
  }
  if (input.signing_secret !== undefined) {
    // Replaces the current secret at once, without a grace period: the
    // provider's own secret changed, so the old one signs nothing more.
    checkSigningSecret(trigger.source, input.signing_secret);
    changes.signing_secret = context.secretBox.seal(input.signing_secret);
  }
  if (input.credentials !== undefined) {
    changes.credentials =
      input.credentials === null
        ? null
        : context.secretBox.seal(JSON.stringify(input.credentials));
  }

  Object.assign(changes, agentChanges(trigger, input, context.secretBox));

  const row = await context.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable("triggers")
      .set(changes)
      .where("id", "=", trigger.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAuditEvent(trx, {
      actor: context.actor,
      project,
      action: "changed trigger",
      target: { type: "Trigger", id: trigger.id, details: updated.name },
      ipAddress: context.ipAddress,
      // Field names only: a credential's value must not reach the log.
      details: { fields: Object.keys(input) },
      at: context.now,
    });
    return updated;
  });
  return toTrigger(row, context.now);
}
