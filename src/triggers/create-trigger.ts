import { recordAuditEvent } from "../audit/audit-event.ts";
import type { SecretChangeContext } from "../audit/change-context.ts";
import {
  hashToken,
  newSigningSecret,
  newTriggerToken,
} from "../crypto/tokens.ts";
import type { Project } from "../projects/project.ts";
import { sourceNamed } from "../sources/registry.ts";
import { agentColumns } from "./agent-columns.ts";
import { checkCallbackUrl } from "./check-callback-url.ts";
import { checkSigningSecret } from "./check-signing-secret.ts";
import { type Trigger, toTrigger } from "./trigger.ts";
import {
  type CreateTriggerInput,
  TRIGGER_DEFAULTS,
} from "./trigger-settings.ts";
import { TriggerSettingsError } from "./trigger-settings-error.ts";

export interface CreatedTrigger {
  trigger: Trigger;
  /** Shown once, here; only its hash is stored. */
  token: string;
  /** Shown once, here; stored encrypted. */
  signingSecret: string;
}

export { TriggerSettingsError };

/** Fixed secrets for a trigger declared as code; generated when absent. */
export interface DeclaredSecrets {
  token?: string | undefined;
  signingSecret?: string | undefined;
}

export async function createTrigger(
  project: Project,
  input: CreateTriggerInput,
  context: SecretChangeContext,
  declared: DeclaredSecrets = {},
): Promise<CreatedTrigger> {
  const workflowTypes = input.workflow_types ?? [
    ...TRIGGER_DEFAULTS.workflowTypes,
  ];
  const defaultWorkflowType = input.default_workflow_type ?? workflowTypes[0];
  if (!defaultWorkflowType || !workflowTypes.includes(defaultWorkflowType)) {
    throw new TriggerSettingsError(
      "default_workflow_type",
      "must be one of workflow_types",
    );
  }

  const source = sourceNamed(input.source);
  const token = declared.token ?? newTriggerToken();
  const signingSecret =
    input.signing_secret ?? declared.signingSecret ?? newSigningSecret();
  checkSigningSecret(input.source, signingSecret);
  if (context.outboundPolicy) {
    checkCallbackUrl(input.sync?.callback_url, context.outboundPolicy);
  }
  const at = context.now.toISOString();
  const rateLimit = input.rate_limit ?? TRIGGER_DEFAULTS.rateLimit;

  const row = await context.db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto("triggers")
      .values({
        project_id: project.id,
        source: input.source,
        name: input.name ?? `${input.source} trigger`,
        workflow_types: JSON.stringify(workflowTypes),
        default_workflow_type: defaultWorkflowType,
        auth: input.auth ?? source?.defaultAuth ?? TRIGGER_DEFAULTS.auth,
        rate_limit: rateLimit.limit,
        rate_window_s: rateLimit.window_s,
        branch_template:
          input.branch_template ?? TRIGGER_DEFAULTS.branchTemplate,
        executor: input.executor ?? TRIGGER_DEFAULTS.executor,
        label: input.label ?? null,
        mention:
          input.mention === undefined
            ? TRIGGER_DEFAULTS.mention
            : input.mention,
        enabled: input.enabled === false ? 0 : 1,
        token_hash: hashToken(token),
        signing_secret: context.secretBox.seal(signingSecret),
        previous_token_hash: null,
        previous_signing_secret: null,
        previous_expires_at: null,
        credentials: input.credentials
          ? context.secretBox.seal(JSON.stringify(input.credentials))
          : null,
        sync: JSON.stringify(input.sync ?? {}),
        bot_identity: input.bot_identity ?? null,
        start_status: input.start_status ?? null,
        acceptance_criteria_field: input.acceptance_criteria_field ?? null,
        ...agentColumns(input, context.secretBox),
        created_at: at,
        updated_at: at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();

    await recordAuditEvent(trx, {
      actor: context.actor,
      project,
      action: "created trigger",
      target: { type: "Trigger", id: inserted.id, details: inserted.name },
      ipAddress: context.ipAddress,
      at: context.now,
    });
    return inserted;
  });

  return { trigger: toTrigger(row, context.now), token, signingSecret };
}
