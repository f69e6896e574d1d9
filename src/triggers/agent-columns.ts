import type { Updateable } from "kysely";
import type { SecretBox } from "../crypto/secret-box.ts";
import type { TriggerTable } from "../store/schema.ts";
import type { ModelSettingsInput } from "../workflows/definition-schema.ts";
import type { Trigger } from "./trigger.ts";
import type {
  CreateTriggerInput,
  UpdateTriggerInput,
} from "./trigger-settings.ts";

type AgentInput = Pick<
  CreateTriggerInput,
  "model" | "allowed_commands" | "budgets" | "workflows"
>;

/** The agent's columns of a new trigger; the model's key sealed. */
export function agentColumns(input: AgentInput, secretBox: SecretBox) {
  const { model, key } = splitKey(input.model ?? null);
  return {
    model: model === null ? null : JSON.stringify(model),
    model_api_key: key ? secretBox.seal(key) : null,
    allowed_commands: JSON.stringify(input.allowed_commands ?? []),
    budgets: JSON.stringify(input.budgets ?? {}),
    workflows: JSON.stringify(input.workflows ?? {}),
  };
}

/**
 * The agent's columns a PATCH changes. `model` merges with the stored one
 * field by field, so that renaming the model keeps its key; `model: null`
 * clears the model and its key, `api_key: null` only the key.
 */
export function agentChanges(
  trigger: Trigger,
  input: UpdateTriggerInput,
  secretBox: SecretBox,
): Updateable<TriggerTable> {
  const changes: Updateable<TriggerTable> = {};
  if (input.model === null) {
    changes.model = null;
    changes.model_api_key = null;
  } else if (input.model !== undefined) {
    const { model, key } = splitKey(input.model);
    changes.model = JSON.stringify({ ...trigger.agent.model, ...model });
    if (key === null) changes.model_api_key = null;
    if (key) changes.model_api_key = secretBox.seal(key);
  }
  if (input.allowed_commands !== undefined) {
    changes.allowed_commands = JSON.stringify(input.allowed_commands);
  }
  if (input.budgets !== undefined) {
    changes.budgets = JSON.stringify(input.budgets);
  }
  if (input.workflows !== undefined) {
    changes.workflows = JSON.stringify(input.workflows);
  }
  return changes;
}

function splitKey(input: ModelSettingsInput | null): {
  model: Omit<ModelSettingsInput, "api_key"> | null;
  key: string | null | undefined;
} {
  if (input === null) return { model: null, key: undefined };
  const { api_key: key, ...model } = input;
  return { model, key };
}
