import type { AgentBudgets, ModelConfig } from "../config/read-config.ts";
import type { WorkflowSettings } from "./workflow-settings.ts";

/** The settings of a run that nothing customises: the instance's. */
export function defaultWorkflow(
  type: string,
  instance: { model: ModelConfig; budgets: AgentBudgets },
): WorkflowSettings {
  return {
    type,
    executor: "agent",
    model: { ...instance.model },
    instructions: undefined,
    allowedCommands: [],
    budgets: instance.budgets,
    branchTemplate: "ai/{external_reference}-{slug}",
    mergeRequestTemplate: undefined,
    labels: [],
    definedBy: "defaults",
    secrets: instance.model.apiKey ? [instance.model.apiKey] : [],
  };
}
