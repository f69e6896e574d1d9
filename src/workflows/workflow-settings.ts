import type { AgentBudgets } from "../config/read-config.ts";
import type { ModelSettings } from "../models/model-settings.ts";

/**
 * What one run of a workflow type does, once the instance's defaults,
 * the trigger's settings and definitions, and the repository's
 * .flowgate/workflows.yml are merged (docs/workflows.md).
 */
export interface WorkflowSettings {
  type: string;
  executor: string;
  model: ModelSettings;
  /** Extra instructions for the agent, from the definitions. */
  instructions: string | undefined;
  allowedCommands: string[];
  budgets: AgentBudgets;
  branchTemplate: string;
  mergeRequestTemplate: string | undefined;
  labels: string[];
  /** The gitlab_duo executor's settings, from the trigger's definition
   * of the type; absent, GitLab's and the executor's defaults. */
  gitlabDuo?: GitLabDuoSettings | undefined;
  /** Where the definition came from, for the timeline. */
  definedBy: "trigger" | "repository" | "defaults";
  /** Values never to be written to a transcript or sent to a model. */
  secrets: string[];
}

export interface GitLabDuoSettings {
  workflowDefinition: string | undefined;
  agentPrivileges: number[] | undefined;
  waitForPeopleMs: number | undefined;
  sourceBranch: string | undefined;
  callbackHookId: number | undefined;
}
