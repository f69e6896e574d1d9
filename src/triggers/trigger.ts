import type { Selectable } from "kysely";
import type { TriggerTable } from "../store/schema.ts";
import type {
  BudgetsInput,
  ModelSettingsInput,
  TriggerWorkflowDefinition,
} from "../workflows/definition-schema.ts";

export type TriggerAuth = "signature" | "token" | "token+signature";

/** A trigger as the core uses it; its secrets stay sealed until needed. */
export interface Trigger {
  id: number;
  projectId: number;
  source: string;
  name: string;
  workflowTypes: string[];
  defaultWorkflowType: string;
  auth: TriggerAuth;
  rateLimit: { limit: number; windowSeconds: number };
  branchTemplate: string;
  executor: string;
  label: string | null;
  mention: string | null;
  enabled: boolean;
  /** Sealed signing secrets: the current one first, then one in its grace. */
  sealedSigningSecrets: string[];
  hasCredentials: boolean;
  sync: Record<string, unknown>;
  /** The provider user Flowgate acts as: its events start nothing, and a
   * mention of it counts as a mention of Flowgate. */
  botIdentity: string | null;
  /** A transition into this status starts a run. */
  startStatus: string | null;
  /** The Jira field that holds acceptance criteria. */
  acceptanceCriteriaField: string | null;
  createdAt: string;
  updatedAt: string;
  previousExpiresAt: string | null;
  agent: TriggerAgentSettings;
}

/** What a trigger sets for the built-in agent (docs/workflows.md). */
export interface TriggerAgentSettings {
  /** The model, key aside; null leaves it to the instance. */
  model: Omit<ModelSettingsInput, "api_key"> | null;
  /** The model's API key, sealed; null when none is set. */
  sealedModelApiKey: string | null;
  allowedCommands: string[];
  budgets: BudgetsInput;
  workflows: Record<string, TriggerWorkflowDefinition>;
}

export function toTrigger(row: Selectable<TriggerTable>, now: Date): Trigger {
  const inGrace =
    row.previous_expires_at !== null &&
    row.previous_expires_at > now.toISOString();
  return {
    id: row.id,
    projectId: row.project_id,
    source: row.source,
    name: row.name,
    workflowTypes: JSON.parse(row.workflow_types) as string[],
    defaultWorkflowType: row.default_workflow_type,
    auth: row.auth as TriggerAuth,
    rateLimit: { limit: row.rate_limit, windowSeconds: row.rate_window_s },
    branchTemplate: row.branch_template,
    executor: row.executor,
    label: row.label,
    mention: row.mention,
    enabled: row.enabled === 1,
    sealedSigningSecrets:
      inGrace && row.previous_signing_secret
        ? [row.signing_secret, row.previous_signing_secret]
        : [row.signing_secret],
    hasCredentials: row.credentials !== null,
    sync: JSON.parse(row.sync) as Record<string, unknown>,
    botIdentity: row.bot_identity,
    startStatus: row.start_status,
    acceptanceCriteriaField: row.acceptance_criteria_field,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    previousExpiresAt: inGrace ? row.previous_expires_at : null,
    agent: {
      model: row.model === null ? null : JSON.parse(row.model),
      sealedModelApiKey: row.model_api_key,
      allowedCommands: JSON.parse(row.allowed_commands) as string[],
      budgets: JSON.parse(row.budgets) as BudgetsInput,
      workflows: JSON.parse(row.workflows) as Record<
        string,
        TriggerWorkflowDefinition
      >,
    },
  };
}

/** The trigger as the admin API shows it: never a secret. */
export function triggerView(trigger: Trigger, webhookUrl: string) {
  return {
    id: trigger.id,
    project_id: trigger.projectId,
    source: trigger.source,
    name: trigger.name,
    workflow_types: trigger.workflowTypes,
    default_workflow_type: trigger.defaultWorkflowType,
    auth: trigger.auth,
    rate_limit: {
      limit: trigger.rateLimit.limit,
      window_s: trigger.rateLimit.windowSeconds,
    },
    branch_template: trigger.branchTemplate,
    executor: trigger.executor,
    label: trigger.label,
    mention: trigger.mention,
    enabled: trigger.enabled,
    credentials_set: trigger.hasCredentials,
    sync: trigger.sync,
    bot_identity: trigger.botIdentity,
    start_status: trigger.startStatus,
    acceptance_criteria_field: trigger.acceptanceCriteriaField,
    model:
      trigger.agent.model === null && !trigger.agent.sealedModelApiKey
        ? null
        : {
            ...trigger.agent.model,
            api_key_set: trigger.agent.sealedModelApiKey !== null,
          },
    allowed_commands: trigger.agent.allowedCommands,
    budgets: trigger.agent.budgets,
    workflows: trigger.agent.workflows,
    webhook_url: webhookUrl,
    previous_secrets_expire_at: trigger.previousExpiresAt,
    created_at: trigger.createdAt,
    updated_at: trigger.updatedAt,
  };
}
