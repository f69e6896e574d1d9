import { z } from "zod";
import { CommandSyntaxError, splitCommand } from "../commands/split-command.ts";

// Schemas shared by a trigger's settings and a repository's
// .flowgate/workflows.yml: what a workflow type may customise.

export const EXECUTORS = ["agent", "gitlab_duo", "gitlab_pipeline"] as const;
export const MODEL_KINDS = [
  "offline",
  "openai-compatible",
  "anthropic",
] as const;

const PLACEHOLDERS = new Set(["external_reference", "slug", "run_id"]);

export const workflowType = z
  .string()
  .regex(
    /^[a-z][a-z0-9_-]{0,63}$/,
    "must be lowercase letters, digits, _ or -",
  );

export const branchTemplate = z
  .string()
  .min(1)
  .max(200)
  .refine(
    (template) =>
      [...template.matchAll(/\{([^}]*)\}/g)].every((match) =>
        PLACEHOLDERS.has(match[1] ?? ""),
      ),
    "may use only {external_reference}, {slug} and {run_id}",
  );

const allowedCommand = z
  .string()
  .trim()
  .min(1)
  .max(500)
  .superRefine((command, context) => {
    try {
      splitCommand(command);
    } catch (error) {
      if (!(error instanceof CommandSyntaxError)) throw error;
      context.addIssue({ code: "custom", message: error.message });
    }
  });

export const allowedCommands = z.array(allowedCommand).max(32);

export const budgets = z
  .object({
    max_steps: z.number().int().min(1).max(1000),
    max_tokens: z.number().int().min(1000).max(100_000_000),
    max_duration_s: z.number().int().min(10).max(86_400),
    command_timeout_s: z.number().int().min(1).max(3600),
  })
  .partial()
  .strict();

const modelName = z.string().trim().min(1).max(200);

/** A trigger's model: any part may be left to the instance's. */
export const modelSettings = z
  .object({
    kind: z.enum(MODEL_KINDS),
    name: modelName,
    base_url: z.url({ protocol: /^https?$/ }).max(2000),
    // Write-only: stored sealed, never answered.
    api_key: z.string().min(1).max(4096).nullable(),
    stream: z.boolean(),
  })
  .partial()
  .strict();

const instructions = z.string().max(16_384);
const mergeRequestTemplate = z.string().min(1).max(16_384);
const labels = z.array(z.string().trim().min(1).max(100)).max(20);

/**
 * What the gitlab_duo executor starts (docs/gitlab-executors.md): the
 * flow (`developer/v1` unless set), the agent privileges GitLab grants
 * it (all of them unless set), and how long a run waits for a person to
 * answer the flow in GitLab before it fails.
 */
export const gitlabDuoSettings = z
  .object({
    workflow_definition: z
      .string()
      .regex(
        /^[a-z][a-z0-9_-]{0,63}(\/v\d{1,3})?$/,
        'must be a flow name such as "developer/v1"',
      ),
    agent_privileges: z
      .array(z.number().int().min(1).max(100))
      .min(1)
      .max(32)
      .refine(
        (ids) => new Set(ids).size === ids.length,
        "must not repeat a privilege",
      ),
    wait_for_people_s: z
      .number()
      .int()
      .min(60)
      .max(7 * 86_400),
    /** The branch the flow starts from; the default branch unless set. */
    source_branch: z
      .string()
      .max(255)
      .regex(
        /^(?![/.-])(?!.*(\.\.|\/\/|@\{|\.lock$|[/.]$))[\w./-]+$/,
        "must be a branch name such as main or release/2.1",
      ),
    /** A GitLab webhook with Duo flow callbacks on, told of each flow. */
    callback_hook_id: z.number().int().min(1),
  })
  .partial()
  .strict();

/** A workflow type's definition, as a trigger declares it. */
export const triggerWorkflowDefinition = z
  .object({
    executor: z.enum(EXECUTORS),
    model: modelSettings.omit({ api_key: true }),
    instructions,
    allowed_commands: allowedCommands,
    budgets,
    branch_template: branchTemplate,
    merge_request_template: mergeRequestTemplate,
    labels,
    gitlab_duo: gitlabDuoSettings,
  })
  .partial()
  .strict();

/**
 * A workflow type's definition in a repository's .flowgate/workflows.yml.
 * Whoever can push to the default branch writes it, so it chooses no
 * executor (the trigger's administrator does), no model endpoint (the
 * key would follow) nor what a Duo flow may do, and its commands and
 * budgets are checked against the trigger's when the run starts.
 */
export const repositoryWorkflowDefinition = triggerWorkflowDefinition
  .omit({ executor: true, gitlab_duo: true })
  .extend({
    model: z
      .object({ name: modelName, stream: z.boolean() })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

/** Keys a trigger's definition has and a repository's may not set. */
export const TRIGGER_ONLY_KEYS: Readonly<Record<string, string>> = {
  executor: "the executor",
  gitlab_duo: "the GitLab Duo flow's settings",
};

export const triggerWorkflows = z
  .record(workflowType, triggerWorkflowDefinition)
  .refine((value) => Object.keys(value).length <= 16, "at most 16 types");

export const repositoryWorkflowsFile = z
  .object({
    workflows: z
      .record(workflowType, repositoryWorkflowDefinition)
      .refine((value) => Object.keys(value).length <= 16, "at most 16 types"),
  })
  .strict();

export type ModelSettingsInput = z.output<typeof modelSettings>;
export type BudgetsInput = z.output<typeof budgets>;
export type TriggerWorkflowDefinition = z.output<
  typeof triggerWorkflowDefinition
>;
export type RepositoryWorkflowDefinition = z.output<
  typeof repositoryWorkflowDefinition
>;
