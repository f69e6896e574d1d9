import { isAllowedCommand } from "../commands/allowed-commands.ts";
import { splitCommand } from "../commands/split-command.ts";
import type { AgentBudgets, ModelConfig } from "../config/read-config.ts";
import type { ModelSettings } from "../models/model-settings.ts";
import type { Trigger } from "../triggers/trigger.ts";
import type {
  BudgetsInput,
  RepositoryWorkflowDefinition,
  TriggerWorkflowDefinition,
} from "./definition-schema.ts";
import type { WorkflowSettings } from "./workflow-settings.ts";
import { type WorkflowsFile, WorkflowsFileError } from "./workflows-file.ts";

const SECOND_MS = 1000;
const DEFAULT_BRANCH_TEMPLATE = "ai/{external_reference}-{slug}";

export interface ResolveWorkflowInput {
  type: string;
  /** The executor the run was created with. */
  executor: string;
  instance: { model: ModelConfig; budgets: AgentBudgets };
  /** Undefined when the run's trigger has since been deleted. */
  trigger: Trigger | undefined;
  /** The trigger's model key, opened. */
  triggerApiKey: string | undefined;
  file: WorkflowsFile | undefined;
  secrets: string[];
}

/**
 * Merges a workflow type's settings, each layer over the one before: the
 * instance's defaults, the trigger's settings, the trigger's definition
 * of the type, the repository's definition of the type. The repository
 * cannot widen what the trigger allows (see repositoryWorkflowDefinition).
 */
export function resolveWorkflow(input: ResolveWorkflowInput): WorkflowSettings {
  const { trigger, type } = input;
  const fromTrigger: TriggerWorkflowDefinition =
    trigger?.agent.workflows[type] ?? {};
  const fromFile: RepositoryWorkflowDefinition =
    input.file?.workflows[type] ?? {};

  const triggerCommands =
    fromTrigger.allowed_commands ?? trigger?.agent.allowedCommands ?? [];
  const triggerBudgets = budgetsOf(
    { ...trigger?.agent.budgets, ...fromTrigger.budgets },
    input.instance.budgets,
  );

  return {
    type,
    executor: fromTrigger.executor ?? input.executor,
    model: modelOf(input, fromTrigger, fromFile),
    instructions: fromFile.instructions ?? fromTrigger.instructions,
    allowedCommands: fromFile.allowed_commands
      ? checkedCommands(input, fromFile.allowed_commands, triggerCommands)
      : triggerCommands,
    budgets: lowered(triggerBudgets, fromFile.budgets),
    branchTemplate:
      fromFile.branch_template ??
      fromTrigger.branch_template ??
      trigger?.branchTemplate ??
      DEFAULT_BRANCH_TEMPLATE,
    mergeRequestTemplate:
      fromFile.merge_request_template ?? fromTrigger.merge_request_template,
    labels: fromFile.labels ?? fromTrigger.labels ?? [],
    gitlabDuo: fromTrigger.gitlab_duo && {
      workflowDefinition: fromTrigger.gitlab_duo.workflow_definition,
      agentPrivileges: fromTrigger.gitlab_duo.agent_privileges,
      waitForPeopleMs:
        fromTrigger.gitlab_duo.wait_for_people_s === undefined
          ? undefined
          : fromTrigger.gitlab_duo.wait_for_people_s * SECOND_MS,
      sourceBranch: fromTrigger.gitlab_duo.source_branch,
      callbackHookId: fromTrigger.gitlab_duo.callback_hook_id,
    },
    definedBy: input.file?.workflows[type]
      ? "repository"
      : trigger?.agent.workflows[type]
        ? "trigger"
        : "defaults",
    secrets: input.secrets,
  };
}

function modelOf(
  input: ResolveWorkflowInput,
  fromTrigger: TriggerWorkflowDefinition,
  fromFile: RepositoryWorkflowDefinition,
): ModelSettings {
  const instance = input.instance.model;
  const chosen = { ...input.trigger?.agent.model, ...fromTrigger.model };
  // The instance's key goes only to the instance's endpoint: a trigger
  // that names another kind or URL brings its own key, or none.
  const ownEndpoint =
    chosen.kind !== undefined || chosen.base_url !== undefined;
  const instanceKey = ownEndpoint ? undefined : instance.apiKey;
  return {
    kind: chosen.kind ?? instance.kind,
    name: fromFile.model?.name ?? chosen.name ?? instance.name,
    baseUrl: chosen.base_url ?? (ownEndpoint ? undefined : instance.baseUrl),
    apiKey: input.triggerApiKey ?? instanceKey,
    stream: fromFile.model?.stream ?? chosen.stream ?? instance.stream,
    timeoutMs: instance.timeoutMs,
  };
}

function budgetsOf(set: BudgetsInput, defaults: AgentBudgets): AgentBudgets {
  return {
    maxSteps: set.max_steps ?? defaults.maxSteps,
    maxTokens: set.max_tokens ?? defaults.maxTokens,
    maxDurationMs:
      set.max_duration_s === undefined
        ? defaults.maxDurationMs
        : set.max_duration_s * SECOND_MS,
    commandTimeoutMs:
      set.command_timeout_s === undefined
        ? defaults.commandTimeoutMs
        : set.command_timeout_s * SECOND_MS,
  };
}

/** A repository may lower the trigger's budgets, never raise them. */
function lowered(
  limits: AgentBudgets,
  set: BudgetsInput | undefined,
): AgentBudgets {
  const lower = budgetsOf(set ?? {}, limits);
  return {
    maxSteps: Math.min(limits.maxSteps, lower.maxSteps),
    maxTokens: Math.min(limits.maxTokens, lower.maxTokens),
    maxDurationMs: Math.min(limits.maxDurationMs, lower.maxDurationMs),
    commandTimeoutMs: Math.min(limits.commandTimeoutMs, lower.commandTimeoutMs),
  };
}

/** The repository's commands, each one the trigger allows too. */
function checkedCommands(
  input: ResolveWorkflowInput,
  commands: string[],
  allowedByTrigger: string[],
): string[] {
  commands.forEach((command, index) => {
    if (isAllowedCommand(splitCommand(command), allowedByTrigger)) return;
    const path = ["workflows", input.type, "allowed_commands", index];
    throw new WorkflowsFileError(
      input.file?.lineOf(path),
      `workflows.${input.type}.allowed_commands: ${JSON.stringify(command)} ` +
        "is not among the commands the trigger allows " +
        `(${allowedByTrigger.join(", ") || "none"})`,
    );
  });
  return commands;
}
