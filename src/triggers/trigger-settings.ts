import { z } from "zod";
import { syncSchema } from "../outbox/sync-settings.ts";
import { SOURCE_NAMES } from "../sources/registry.ts";
import {
  allowedCommands,
  branchTemplate,
  budgets,
  EXECUTORS,
  modelSettings,
  triggerWorkflows,
  workflowType,
} from "../workflows/definition-schema.ts";

export const AUTH_MODES = ["signature", "token", "token+signature"] as const;
export { EXECUTORS };

const rateLimit = z.object({
  limit: z.number().int().min(0).max(1_000_000),
  window_s: z.number().int().min(1).max(86_400),
});

const credentials = z
  .record(z.string(), z.string().max(4096))
  .refine((value) => Object.keys(value).length <= 16, "at most 16 keys");

// What to report back, and where (docs/reporting-back.md).
const sync = syncSchema;

/** A provider's name for a user: an account id, a login, a user id. */
const identity = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(/^[^\s<>]+$/, "must be one user id, login or account id")
  .nullable();

/**
 * The secret the sender signs with. Write-only, like credentials: Slack
 * and Linear make their own signing secrets, which are pasted here.
 */
const signingSecret = z
  .string()
  .min(16, "must be at least 16 characters")
  .max(512)
  .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces");

const settings = {
  name: z.string().trim().min(1).max(255),
  workflow_types: z.array(workflowType).min(1).max(16),
  default_workflow_type: workflowType,
  auth: z.enum(AUTH_MODES),
  rate_limit: rateLimit,
  branch_template: branchTemplate,
  executor: z.enum(EXECUTORS),
  label: z.string().max(255).nullable(),
  mention: z.string().max(255).nullable(),
  enabled: z.boolean(),
  credentials: credentials.nullable(),
  sync,
  bot_identity: identity,
  start_status: z.string().trim().min(1).max(255).nullable(),
  acceptance_criteria_field: z
    .string()
    .regex(
      /^customfield_\d{1,12}$/,
      "must be a field id like customfield_10042",
    )
    .nullable(),
  signing_secret: signingSecret,
  // The built-in agent (docs/agent.md, docs/workflows.md).
  model: modelSettings.nullable(),
  allowed_commands: allowedCommands,
  budgets,
  workflows: triggerWorkflows,
};

const settingsSchema = z.object(settings).partial();

export const createTriggerSchema = settingsSchema
  .extend({ source: z.enum(SOURCE_NAMES) })
  .strict();

export const updateTriggerSchema = settingsSchema.strict();

export const rotateTriggerSchema = z
  .object({
    grace_period_s: z
      .number()
      .int()
      .min(0)
      .max(30 * 86_400),
  })
  .partial()
  .strict();

export type CreateTriggerInput = z.output<typeof createTriggerSchema>;
export type UpdateTriggerInput = z.output<typeof updateTriggerSchema>;

export const TRIGGER_DEFAULTS = {
  workflowTypes: ["developer"],
  auth: "signature",
  rateLimit: { limit: 600, window_s: 60 },
  branchTemplate: "ai/{external_reference}-{slug}",
  executor: "agent",
  mention: "@flowgate",
  rotationGraceSeconds: 24 * 60 * 60,
} as const;
