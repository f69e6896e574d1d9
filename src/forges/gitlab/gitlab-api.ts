import {
  OutboundError,
  OutboundStatusError,
} from "../../outbound/outbound-errors.ts";
import type {
  OutboundHttp,
  OutboundResponse,
} from "../../outbound/outbound-http.ts";

const SECOND_MS = 1000;
const MAX_ATTEMPTS = 4;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30 * SECOND_MS;
/** A server asking for a longer wait than this fails the call instead:
 * the job's own retry (or the outbox's) waits at a larger scale. */
const LONGEST_WAIT_MS = 60 * SECOND_MS;

/** Where a GitLab instance is and the token Flowgate uses there. */
export interface GitLabConnection {
  /** The instance's base URL, e.g. `https://gitlab.com`. */
  baseUrl: string;
  token: string;
}

/** A call GitLab refused or could not answer; `status` when it answered. */
export class GitLabError extends Error {
  readonly status: number | undefined;
  readonly transient: boolean;

  constructor(
    message: string,
    status: number | undefined,
    transient: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "GitLabError";
    this.status = status;
    this.transient = transient;
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  signal?: AbortSignal | undefined;
}

export interface GitLabApiOptions {
  maxAttempts?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/**
 * A thin typed client for the few GitLab REST and GraphQL calls Flowgate
 * makes, through the outbound client (so an instance URL obeys the
 * outbound policy). The token travels only in the PRIVATE-TOKEN header.
 * Reads and idempotent writes (PUT, PATCH and DELETE set a state, so a
 * repeat changes nothing more) retry 429 and 5xx answers and lost
 * connections, waiting as `Retry-After` or `RateLimit-Reset` say, else
 * with a jittered backoff; a POST retries only a 429, the one answer
 * that says nothing was done, so a create is never made twice by a
 * retry here (callers look for what a lost answer may have made).
 */
export class GitLabApi {
  readonly #connection: GitLabConnection;
  readonly #http: OutboundHttp;
  readonly #maxAttempts: number;
  readonly #sleep: NonNullable<GitLabApiOptions["sleep"]>;
  readonly #random: () => number;

  constructor(
    connection: GitLabConnection,
    http: OutboundHttp,
    options: GitLabApiOptions = {},
  ) {
    this.#connection = {
      ...connection,
      baseUrl: connection.baseUrl.replace(/\/+$/, ""),
    };
    this.#http = http;
    this.#maxAttempts = options.maxAttempts ?? MAX_ATTEMPTS;
    this.#sleep = options.sleep ?? sleep;
    this.#random = options.random ?? Math.random;
  }

  get baseUrl(): string {
    return this.#connection.baseUrl;
  }

  /** Refuses, as a request would be, a git remote on this instance that
   * the outbound policy does not allow: git connects by itself. */
  checkGitRemote(remoteUrl: string, action: string): Promise<void> {
    return this.#http.checkDestination(remoteUrl, action);
  }

  /** Calls `/api/v4{path}` and answers the parsed JSON body (undefined
   * for an empty one). */
  async request<T>(
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
    path: string,
    options: RequestOptions = {},
  ): Promise<T> {
    const response = await this.#send(method, path, options, {});
    return (response.text === "" ? undefined : response.json()) as T;
  }

  /** GETs `/api/v4{path}` and answers the body's bytes (raw files). */
  async requestBytes(
    path: string,
    options: Omit<RequestOptions, "json"> = {},
  ): Promise<Buffer> {
    const response = await this.#send("GET", path, options, { accept: "*/*" });
    return response.bytes;
  }

  async #send(
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
    path: string,
    options: RequestOptions,
    headers: Record<string, string>,
  ): Promise<OutboundResponse> {
    const url = new URL(`${this.#connection.baseUrl}/api/v4${path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#http.send({
          method,
          url: url.toString(),
          headers: { ...headers, "private-token": this.#connection.token },
          // Another origin would get neither the token nor, safely, the
          // body of a 307 or 308 (a ticket, a goal): refused instead.
          redirects: "same-origin",
          ...(options.json === undefined ? {} : { json: options.json }),
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (error) {
        const wait = this.#retryWait(method, error, attempt);
        if (wait === undefined) throw asGitLabError(method, url, error);
        await this.#sleep(wait, options.signal);
      }
    }
  }

  /** Runs a GraphQL query at `/api/graphql`; errors in a 200 answer
   * throw like a refused call. */
  async graphql<T>(
    query: string,
    variables: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<T> {
    const url = new URL(`${this.#connection.baseUrl}/api/graphql`);
    for (let attempt = 1; ; attempt += 1) {
      try {
        const response = await this.#http.send({
          method: "POST",
          url: url.toString(),
          headers: { "private-token": this.#connection.token },
          redirects: "same-origin",
          json: { query, variables },
          ...(signal ? { signal } : {}),
        });
        const body = response.json<{
          data?: T;
          errors?: { message?: string }[];
        }>();
        if (body.errors && body.errors.length > 0) {
          const messages = body.errors.map((error) => error.message).join("; ");
          throw new GitLabError(
            `GitLab's GraphQL API answered errors: ${messages}`,
            200,
            false,
          );
        }
        if (body.data === undefined) {
          throw new GitLabError(
            "GitLab's GraphQL API answered no data",
            200,
            false,
          );
        }
        return body.data;
      } catch (error) {
        if (error instanceof GitLabError) throw error;
        // A query changes nothing: every transient failure may retry.
        const wait = this.#retryWait("GET", error, attempt);
        if (wait === undefined) throw asGitLabError("POST", url, error);
        await this.#sleep(wait, signal);
      }
    }
  }

  /** How long to wait before the next attempt, or undefined to stop. */
  #retryWait(method: string, error: unknown, attempt: number) {
    if (attempt >= this.#maxAttempts) return undefined;
    if (!(error instanceof OutboundError) || !error.transient) return undefined;
    const status =
      error instanceof OutboundStatusError ? error.status : undefined;
    if (method === "POST" && status !== 429) return undefined;
    const asked = askedWaitMs(error);
    if (asked !== undefined) {
      return asked <= LONGEST_WAIT_MS ? asked : undefined;
    }
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
    return Math.round(ceiling * this.#random());
  }
}

/** `Retry-After`, else GitLab's `RateLimit-Reset` (a Unix time). */
function askedWaitMs(error: OutboundError): number | undefined {
  if (error.retryAfterMs !== undefined) return error.retryAfterMs;
  const reset =
    error instanceof OutboundStatusError
      ? error.headers["ratelimit-reset"]
      : undefined;
  if (reset === undefined || !/^\d+$/.test(reset)) return undefined;
  return Math.max(0, Number(reset) * SECOND_MS - Date.now());
}

function asGitLabError(method: string, url: URL, error: unknown): Error {
  const what = `${method} ${url.origin}${url.pathname}`;
  if (!(error instanceof OutboundError)) {
    return error instanceof Error ? error : new Error(String(error));
  }
  if (!(error instanceof OutboundStatusError)) {
    return new GitLabError(error.message, undefined, error.transient, {
      cause: error,
    });
  }
  const said = gitlabMessage(error.bodyPreview);
  const hint = gitlabHint(error.status) ?? "";
  return new GitLabError(
    `GitLab answered ${error.status} to ${what}` +
      (said ? `: ${said}` : "") +
      (hint ? `; ${hint}` : ""),
    error.status,
    error.transient,
    { cause: error },
  );
}

const HINTS: Record<number, string> = {
  401: "the project's GitLab token is wrong, expired or revoked: set a new one on the project",
  403: "the token's user lacks a permission here (a Developer role, the api scope, a Duo seat, or the flow enabled)",
  404: "the project or object does not exist for the token's user: check the GitLab project id and the token's access",
  409: "it exists already",
  422: "GitLab refused the input",
};

/** What to change when GitLab refuses a call with `status`. */
export function gitlabHint(status: number | undefined): string | undefined {
  return status === undefined ? undefined : HINTS[status];
}

/** GitLab's `{"message": …}` or `{"error": …}`, when the body has one. */
function gitlabMessage(bodyPreview: string): string | undefined {
  try {
    const body = JSON.parse(bodyPreview) as {
      message?: unknown;
      error?: unknown;
    };
    const said = body.message ?? body.error;
    if (said === undefined) return undefined;
    // A model's validation errors come as a list of sentences.
    const text = Array.isArray(said)
      ? said.map(String).join("; ")
      : typeof said === "string"
        ? said
        : JSON.stringify(said);
    return text.slice(0, 300);
  } catch {
    return undefined;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
