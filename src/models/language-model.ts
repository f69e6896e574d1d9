import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { LanguageModelV3 } from "@ai-sdk/provider";
import { ModelSettingsError } from "./model-errors.ts";
import {
  DEFAULT_BASE_URLS,
  type ModelSettings,
  shownEndpoint,
} from "./model-settings.ts";

export interface ConnectedModel {
  model: LanguageModelV3;
  /** Where calls go, fit for messages and the transcript. */
  endpoint: string;
}

/**
 * The AI SDK's provider for the model kind. Only the provider layer is
 * used: the agent runs its own loop, so that retries, budgets and the
 * transcript see every call.
 */
export function connectModel(settings: ModelSettings): ConnectedModel {
  if (settings.kind === "offline") {
    throw new ModelSettingsError("the offline model makes no calls");
  }
  const name = settings.name;
  if (!name) {
    throw new ModelSettingsError(
      `the ${settings.kind} model has no name; set FLOWGATE_MODEL_NAME or ` +
        "the trigger's model.name",
    );
  }
  const baseURL = (
    settings.baseUrl ?? DEFAULT_BASE_URLS[settings.kind]
  ).replace(/\/+$/, "");

  if (settings.kind === "anthropic") {
    if (!settings.apiKey) {
      // Without a key the SDK would read ANTHROPIC_API_KEY itself.
      throw new ModelSettingsError(
        "the anthropic model has no API key; set FLOWGATE_MODEL_API_KEY " +
          "or the trigger's model.api_key",
      );
    }
    const provider = createAnthropic({ baseURL, apiKey: settings.apiKey });
    return {
      model: provider.messages(name),
      endpoint: shownEndpoint(baseURL, "/messages"),
    };
  }

  const provider = createOpenAICompatible({
    name: "openai-compatible",
    baseURL,
    // Ollama and most local servers need no key.
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
    // Token counts of streamed answers, for the token budget.
    includeUsage: true,
  });
  return {
    model: provider.chatModel(name),
    endpoint: shownEndpoint(baseURL, "/chat/completions"),
  };
}
