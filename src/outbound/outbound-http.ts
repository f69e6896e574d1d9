import { Agent, request } from "undici";
import { retryAfterMs } from "../models/retry-after.ts";
import {
  AddressGuard,
  checkScheme,
  type Lookup,
  type Resolve,
  refusalIn,
  systemResolve,
} from "./address-guard.ts";
import { describe } from "./describe-url.ts";
import {
  OutboundError,
  OutboundNetworkError,
  OutboundRefusedError,
  OutboundStatusError,
} from "./outbound-errors.ts";
import { isAllowedHost, type OutboundPolicy } from "./outbound-policy.ts";

export type { Resolve };

const SECOND_MS = 1000;
const KIB = 1024;
const DEFAULT_TIMEOUT_MS = 10 * SECOND_MS;
const DEFAULT_MAX_RESPONSE_BYTES = 1024 * KIB;
const MAX_REDIRECTS = 5;
const BODY_PREVIEW_CHARS = 300;

export interface OutboundRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON with its content type, unless `body` is given. */
  json?: unknown;
  body?: string;
  timeoutMs?: number;
  maxResponseBytes?: number;
  signal?: AbortSignal;
  /** `same-origin` refuses a redirect to another origin instead of
   * following it (a 307 or 308 would carry the body there). */
  redirects?: "follow" | "same-origin";
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The body's bytes, for answers that are not text. */
  bytes: Buffer;
  /** The body parsed as JSON; throws an OutboundError when it is not. */
  json<T = unknown>(): T;
}

/** Makes requests that obey an outbound policy. */
export interface OutboundHttp {
  /**
   * Sends the request and answers a 2xx response; any other status
   * throws an OutboundStatusError (transient for 408, 429 and 5xx, with
   * the server's Retry-After), a failure to connect or a time-out an
   * OutboundNetworkError, a refused address an OutboundRefusedError.
   * Redirects are followed (at most five), each target checked anew;
   * one to another origin carries none of the caller's headers but
   * `accept` and `content-type`, since any other may hold a credential.
   */
  send(outbound: OutboundRequest): Promise<OutboundResponse>;
  /**
   * Throws the OutboundRefusedError `send` would for `url` (scheme,
   * literal or resolved private address), without connecting: for a
   * program that makes its own connection, such as git.
   */
  checkDestination(url: string, method: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The one way Flowgate calls addresses it was given. Addresses are
 * checked where the connection is made (the agent's own lookup), so a
 * name cannot resolve to a public address for the check and to a
 * private one for the connection.
 */
export function createOutboundHttp(
  policy: OutboundPolicy,
  options: { resolve?: Resolve; timeoutMs?: number } = {},
): OutboundHttp {
  const resolve = options.resolve ?? systemResolve;
  const defaultTimeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const guard = new AddressGuard(policy, resolve);
  // A lookup is told the host but not the port, and an allowed host may
  // be named with its port; so the URL picks the agent, and only the
  // agent for allowed hosts lets a name resolve to a private address.
  const guarded = newAgent(guard.lookup(policy.allowPrivate));
  const allowed = newAgent(guard.lookup(true));

  return {
    async send(outbound) {
      let url = parseUrl(outbound);
      let method = outbound.method;
      let body = bodyOf(outbound);
      let headers = outbound.headers ?? {};
      for (let hop = 0; ; hop += 1) {
        checkScheme(policy, url, method);
        guard.checkLiteral(url, method);
        const agent = isAllowedHost(policy, url) ? allowed : guarded;
        const response = await sendOnce(agent, {
          timeoutMs: defaultTimeoutMs,
          ...outbound,
          method,
          url,
          headers,
          body,
        });
        const location = response.headers.location;
        if (!isRedirect(response.status) || location === undefined) {
          return finish(method, url, response);
        }
        const what = `${method} ${describe(url)}`;
        if (hop >= MAX_REDIRECTS) {
          throw new OutboundError(
            `${what} redirected more than ${MAX_REDIRECTS} times`,
            false,
          );
        }
        const next = redirectTarget(what, location, url);
        if (next.origin !== url.origin) {
          if (outbound.redirects === "same-origin") {
            throw new OutboundError(
              `${what} was redirected to another origin ` +
                `(${next.protocol}//${next.host}), which Flowgate refuses ` +
                "for this call: set the address to the one it redirects to",
              false,
            );
          }
          headers = headersForAnotherOrigin(headers);
        }
        url = next;
        // 303, and 301/302 after a POST, continue as GET without a body,
        // as browsers and fetch do.
        if (
          response.status === 303 ||
          ((response.status === 301 || response.status === 302) &&
            method === "POST")
        ) {
          method = "GET";
          body = undefined;
        }
      }
    },
    async checkDestination(url, method) {
      const parsed = new URL(url);
      checkScheme(policy, parsed, method);
      await guard.checkResolved(parsed, method);
    },
    close: async () => {
      await Promise.all([guarded.close(), allowed.close()]);
    },
  };
}

function newAgent(lookup: Lookup): Agent {
  return new Agent({
    connect: { lookup },
    keepAliveTimeout: 10 * SECOND_MS,
  });
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  bytes: Buffer;
}

async function sendOnce(
  agent: Agent,
  outbound: Omit<OutboundRequest, "url" | "body" | "json"> & {
    url: URL;
    body: { text: string; type: string | undefined } | undefined;
  },
): Promise<RawResponse> {
  const timeoutMs = outbound.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const limit = outbound.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = outbound.signal
    ? AbortSignal.any([outbound.signal, timeout])
    : timeout;
  const headers: Record<string, string> = {
    "user-agent": "Flowgate",
    accept: "application/json",
    ...(outbound.body?.type ? { "content-type": outbound.body.type } : {}),
    ...outbound.headers,
  };
  const what = `${outbound.method} ${describe(outbound.url)}`;

  try {
    const answer = await request(outbound.url, {
      method: outbound.method,
      headers,
      body: outbound.body?.text ?? null,
      dispatcher: agent,
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of answer.body) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        answer.body.destroy();
        throw new OutboundError(
          `${what} answered more than ${limit} bytes`,
          false,
        );
      }
      chunks.push(chunk as Buffer);
    }
    return {
      status: answer.statusCode,
      headers: flatHeaders(answer.headers),
      ...bodyOfChunks(chunks),
    };
  } catch (error) {
    if (error instanceof OutboundError) throw error;
    if (outbound.signal?.aborted) {
      throw new OutboundError(`${what} was canceled`, false, { cause: error });
    }
    if (timeout.aborted) {
      throw new OutboundNetworkError(
        `${what} timed out after ${timeoutMs} ms`,
        { cause: error },
      );
    }
    const refused = refusalIn(error);
    if (refused) {
      throw new OutboundRefusedError(`${what} refused: ${refused.message}`);
    }
    throw new OutboundNetworkError(`${what} failed: ${reasonOf(error)}`, {
      cause: error,
    });
  }
}

function finish(
  method: string,
  url: URL,
  response: RawResponse,
): OutboundResponse {
  const what = `${method} ${describe(url)}`;
  if (response.status < 200 || response.status > 299) {
    throw new OutboundStatusError(
      `${what} answered ${response.status}`,
      response.status,
      response.text.slice(0, BODY_PREVIEW_CHARS),
      retryAfterMs(response.headers),
      response.headers,
    );
  }
  return {
    ...response,
    json<T>() {
      try {
        return JSON.parse(response.text) as T;
      } catch (error) {
        throw new OutboundError(`${what} answered no JSON`, false, {
          cause: error,
        });
      }
    },
  };
}

function parseUrl(outbound: OutboundRequest): URL {
  try {
    return new URL(outbound.url);
  } catch {
    // Not echoed: the text may hold a password or a token.
    throw new OutboundRefusedError(
      `${outbound.method} refused: the address given ` +
        `(${outbound.url.length} characters) is not a URL`,
    );
  }
}

function redirectTarget(what: string, location: string, base: URL): URL {
  try {
    return new URL(location, base);
  } catch (error) {
    throw new OutboundError(
      `${what} redirected to a Location that is not a URL`,
      false,
      { cause: error },
    );
  }
}

/** Caller's headers a redirect may carry to another origin. */
const CROSS_ORIGIN_HEADERS = new Set(["accept", "content-type"]);

function headersForAnotherOrigin(
  headers: Record<string, string>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) =>
      CROSS_ORIGIN_HEADERS.has(name.toLowerCase()),
    ),
  );
}

function bodyOf(outbound: OutboundRequest) {
  if (outbound.body !== undefined) {
    return { text: outbound.body, type: undefined };
  }
  if (outbound.json !== undefined) {
    return { text: JSON.stringify(outbound.json), type: "application/json" };
  }
  return undefined;
}

function isRedirect(status: number): boolean {
  return [301, 302, 303, 307, 308].includes(status);
}

function flatHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) {
      flat[name.toLowerCase()] = Array.isArray(value)
        ? value.join(", ")
        : value;
    }
  }
  return flat;
}

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown; cause?: { code?: unknown } })?.cause
    ?.code;
  if (typeof code === "string") return code;
  return error instanceof Error ? error.message : String(error);
}

function bodyOfChunks(chunks: Buffer[]): { text: string; bytes: Buffer } {
  const bytes = Buffer.concat(chunks);
  return { bytes, text: bytes.toString("utf8") };
}
