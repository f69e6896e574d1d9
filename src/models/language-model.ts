import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { LanguageModelV3 } from "@ai-sdk/provider";
import { OutboundRefusedError } from "../outbound/outbound-errors.ts";
import { ModelError, ModelSettingsError } from "./model-errors.ts";
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
 *
 * `fetch` is the outbound fetch (src/outbound/outbound-fetch.ts), so
 * that model calls obey FLOWGATE_OUTBOUND_* like every other call: the
 * SDK's own fetch would follow redirects with the key, and connect to
 * whatever the name resolves to at that moment.
 */
export function connectModel(
  settings: ModelSettings,
  fetch: typeof globalThis.fetch,
): ConnectedModel {
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
    const endpoint = shownEndpoint(baseURL, "/messages");
    const provider = createAnthropic({
      baseURL,
      apiKey: settings.apiKey,
      fetch: refusalsAsModelErrors(fetch, endpoint),
    });
    return { model: provider.messages(name), endpoint };
  }

  const endpoint = shownEndpoint(baseURL, "/chat/completions");
  const provider = createOpenAICompatible({
    name: "openai-compatible",
    baseURL,
    fetch: refusalsAsModelErrors(fetch, endpoint),
    // Ollama and most local servers need no key.
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
    // Token counts of streamed answers, for the token budget.
    includeUsage: true,
  });
  return { model: provider.chatModel(name), endpoint };
}

/** A refused address or redirect is a ModelError no retry mends; the
 * SDK passes an error it does not know through as it is. */
function refusalsAsModelErrors(
  fetch: typeof globalThis.fetch,
  endpoint: string,
): typeof globalThis.fetch {
  return async (input, init) => {
    try {
      return await fetch(input, init);
    } catch (error) {
      if (!(error instanceof OutboundRefusedError)) throw error;
      throw new ModelError(error.message, endpoint, false, { cause: error });
    }
  };
}
