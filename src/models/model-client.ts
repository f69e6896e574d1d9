import {
  APICallError,
  type LanguageModelV3CallOptions,
  type LanguageModelV3FunctionTool,
  type LanguageModelV3Prompt,
} from "@ai-sdk/provider";
import { type ConnectedModel, connectModel } from "./language-model.ts";
import {
  ModelError,
  ModelHttpError,
  ModelNetworkError,
  ModelTimeoutError,
} from "./model-errors.ts";
import type { ModelSettings } from "./model-settings.ts";
import type { ModelTurn } from "./model-turn.ts";
import {
  StreamBrokenError,
  turnOfResult,
  turnOfStream,
} from "./read-answer.ts";
import { retryAfterMs } from "./retry-after.ts";

const SECOND_MS = 1000;
const MAX_ATTEMPTS = 4;
const BASE_DELAY_MS = 1 * SECOND_MS;
const MAX_DELAY_MS = 30 * SECOND_MS;
// A server asking for a longer pause than this is down, not busy.
const MAX_RETRY_AFTER_MS = 2 * 60 * SECOND_MS;
const MAX_OUTPUT_TOKENS = 8192;
// The detail reaches run.error and, through the failed report, the
// ticket: enough for the server's reason, not for a page of its body.
const MAX_DETAIL_CHARS = 160;
// Bearer values and the key shapes of the common providers (sk-…,
// sk-ant-…, xoxb-…, ghp_…), should a server echo a credential back.
const CREDENTIAL_LIKE =
  /\b(?:Bearer\s+\S+|sk-[\w-]{8,}|xox[abpr]-[\w-]{8,}|gh[pousr]_\w{8,}|glpat-[\w-]{8,})/gi;

export interface ModelCall {
  prompt: LanguageModelV3Prompt;
  tools: LanguageModelV3FunctionTool[];
  signal: AbortSignal;
  /** No retry waits past this time (epoch ms): the run's wall budget. */
  deadline: number;
}

/** A failed attempt that will be tried again, for the transcript. */
export interface RetryNotice {
  attempt: number;
  error: ModelError;
  delayMs: number;
}

export interface ModelClientOptions {
  /** The outbound fetch every call goes through (connectModel). */
  fetch: typeof globalThis.fetch;
  baseDelayMs?: number | undefined;
  /** Awaited before the wait, so the notice is stored in order. */
  onRetry?: (notice: RetryNotice) => Promise<void>;
}

/**
 * Calls one model with retries: transient failures (429, 5xx, lost
 * connections, timeouts) are tried again up to four times in all, after
 * the server's Retry-After when it gave one, else after a doubling delay
 * with jitter. Other failures end at once.
 */
export class ModelClient {
  readonly endpoint: string;
  readonly #connected: ConnectedModel;
  readonly #settings: ModelSettings;
  readonly #options: ModelClientOptions;

  constructor(settings: ModelSettings, options: ModelClientOptions) {
    this.#settings = settings;
    this.#connected = connectModel(settings, options.fetch);
    this.endpoint = this.#connected.endpoint;
    this.#options = options;
  }

  async call(call: ModelCall): Promise<ModelTurn> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#attempt(call);
      } catch (caught) {
        const error = this.#convert(caught, call.signal);
        const delayMs = this.#delay(error, attempt);
        const late = Date.now() + (delayMs ?? 0) > call.deadline;
        if (delayMs === undefined || attempt >= MAX_ATTEMPTS || late) {
          throw new ModelError(
            `the ${this.#settings.kind} model at ${this.endpoint} failed ` +
              `after ${attempt} attempt${attempt === 1 ? "" : "s"}: ` +
              error.message,
            this.endpoint,
            error.transient,
            { cause: error },
          );
        }
        await this.#options.onRetry?.({ attempt, error, delayMs });
        await sleep(delayMs, call.signal);
      }
    }
  }

  async #attempt(call: ModelCall): Promise<ModelTurn> {
    const timeout = AbortSignal.timeout(this.#settings.timeoutMs);
    const options: LanguageModelV3CallOptions = {
      prompt: call.prompt,
      tools: call.tools,
      toolChoice: { type: "auto" },
      maxOutputTokens: MAX_OUTPUT_TOKENS,
      abortSignal: AbortSignal.any([call.signal, timeout]),
    };
    try {
      const { model } = this.#connected;
      if (!this.#settings.stream) {
        return turnOfResult(await model.doGenerate(options));
      }
      const { stream } = await model.doStream(options);
      return await turnOfStream(stream);
    } catch (error) {
      if (timeout.aborted && !call.signal.aborted) {
        throw new ModelTimeoutError(this.endpoint, this.#settings.timeoutMs, {
          cause: error,
        });
      }
      throw error;
    }
  }

  /** Any failure as a ModelError; a canceled run's reason goes through. */
  #convert(error: unknown, signal: AbortSignal): ModelError {
    if (signal.aborted) throw signal.reason ?? error;
    if (error instanceof ModelError) return error;
    if (APICallError.isInstance(error)) {
      if (error.statusCode === undefined) {
        return new ModelNetworkError(this.endpoint, error.message, {
          cause: error,
        });
      }
      return new ModelHttpError(
        this.endpoint,
        error.statusCode,
        detailOf(error.responseBody, this.#settings.apiKey),
        retryAfterMs(error.responseHeaders),
        { cause: error },
      );
    }
    if (error instanceof StreamBrokenError) {
      return new ModelNetworkError(
        this.endpoint,
        `${error.message}: ${messageOf(error.cause)}`,
        { cause: error },
      );
    }
    return new ModelError(
      `POST ${this.endpoint} gave an answer that cannot be read: ` +
        messageOf(error),
      this.endpoint,
      false,
      { cause: error },
    );
  }

  /** How long to wait before the next attempt; undefined: do not retry. */
  #delay(error: ModelError, attempt: number): number | undefined {
    if (!error.transient) return undefined;
    if (error instanceof ModelHttpError && error.retryAfterMs !== undefined) {
      return error.retryAfterMs <= MAX_RETRY_AFTER_MS
        ? error.retryAfterMs
        : undefined;
    }
    // No timing from the server: half the doubled delay plus a random half.
    const base = this.#options.baseDelayMs ?? BASE_DELAY_MS;
    const ceiling = Math.min(MAX_DELAY_MS, base * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }
}

/** The server's body, on one line, short, without the key or anything
 * shaped like a credential. */
function detailOf(body: string | undefined, apiKey: string | undefined) {
  if (!body) return "";
  let oneLine = body.replace(/\s+/g, " ").trim();
  if (apiKey) oneLine = oneLine.replaceAll(apiKey, "[redacted]");
  oneLine = oneLine.replace(CREDENTIAL_LIKE, "[redacted]");
  return oneLine.length > MAX_DETAIL_CHARS
    ? `${oneLine.slice(0, MAX_DETAIL_CHARS)}…`
    : oneLine;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null && "message" in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
