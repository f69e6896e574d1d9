import { Agent, fetch as undiciFetch } from "undici";
import {
  AddressGuard,
  checkScheme,
  type Resolve,
  refusalIn,
  systemResolve,
} from "./address-guard.ts";
import { describe } from "./describe-url.ts";
import { OutboundError, OutboundRefusedError } from "./outbound-errors.ts";
import { isAllowedHost, type OutboundPolicy } from "./outbound-policy.ts";

const SECOND_MS = 1000;
const MIB = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 300 * SECOND_MS;
// A long streamed answer is a few hundred KiB; far more is not an answer.
const DEFAULT_MAX_RESPONSE_BYTES = 32 * MIB;

export interface OutboundFetchOptions {
  resolve?: Resolve;
  /** The whole call, streamed body included. */
  timeoutMs?: number;
  maxResponseBytes?: number;
}

/** A `fetch` that obeys the outbound policy, and its connections. */
export interface OutboundFetch {
  fetch: typeof globalThis.fetch;
  close(): Promise<void>;
}

/**
 * A `fetch` for libraries that call out themselves (the AI SDK's model
 * providers), with the outbound client's guarantees: the scheme and
 * literal addresses checked before sending, every resolved address
 * checked where the connection is made (no DNS rebinding between check
 * and connection), FLOWGATE_OUTBOUND_ALLOW_HOSTS honoured, a time limit
 * over the whole call and a size limit that suits streamed answers.
 *
 * Redirects are refused, not followed: an API endpoint has no reason to
 * redirect, and the request carries its credential (`authorization`,
 * Anthropic's `x-api-key`) and a body that a redirect would resend.
 * A refusal throws an OutboundRefusedError.
 */
export function createOutboundFetch(
  policy: OutboundPolicy,
  options: OutboundFetchOptions = {},
): OutboundFetch {
  const guard = new AddressGuard(policy, options.resolve ?? systemResolve);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  // As in the outbound client: the URL picks the agent, and only the
  // agent for allowed hosts lets a name resolve to a private address.
  const agentOptions = { headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
  const guarded = new Agent({
    connect: { lookup: guard.lookup(policy.allowPrivate) },
    ...agentOptions,
  });
  const allowed = new Agent({
    connect: { lookup: guard.lookup(true) },
    ...agentOptions,
  });

  const guardedFetch = async (
    input: string | URL | Request,
    init: RequestInit = {},
  ): Promise<Response> => {
    const method = (init.method ?? "GET").toUpperCase();
    const url = urlOf(input, method);
    const what = `${method} ${describe(url)}`;
    checkScheme(policy, url, method);
    guard.checkLiteral(url, method);

    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.signal
      ? AbortSignal.any([init.signal, timeout])
      : timeout;
    let response: Awaited<ReturnType<typeof undiciFetch>>;
    try {
      response = await undiciFetch(url, {
        ...(init as unknown as Parameters<typeof undiciFetch>[1]),
        signal,
        redirect: "manual",
        dispatcher: isAllowedHost(policy, url) ? allowed : guarded,
      });
    } catch (error) {
      const refused = refusalIn(error);
      if (refused) {
        throw new OutboundRefusedError(`${what} refused: ${refused.message}`);
      }
      throw error;
    }

    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw new OutboundRefusedError(
        `${what} answered ${response.status}, a redirect` +
          `${targetOf(response.headers.get("location"), url)}; redirects ` +
          "are not followed for calls that carry a credential: set the " +
          "base URL to the address that answers",
      );
    }
    return limited(response, maxBytes, what) as unknown as Response;
  };

  return {
    fetch: guardedFetch as typeof globalThis.fetch,
    close: async () => {
      await Promise.all([guarded.close(), allowed.close()]);
    },
  };
}

function urlOf(input: string | URL | Request, method: string): URL {
  const text =
    typeof input === "string"
      ? input
      : input instanceof URL
        ? input.href
        : input.url;
  if (URL.canParse(text)) return new URL(text);
  // Not echoed: the text may hold a password or a token.
  throw new OutboundRefusedError(
    `${method} refused: the address given (${text.length} characters) ` +
      "is not a URL",
  );
}

function targetOf(location: string | null, base: URL): string {
  if (location === null || !URL.canParse(location, base.href)) return "";
  return ` to ${describe(new URL(location, base))}`;
}

/** The same answer, whose body errors once it passes `maxBytes`. */
function limited(
  response: Awaited<ReturnType<typeof undiciFetch>>,
  maxBytes: number,
  what: string,
) {
  if (!response.body) return response;
  let size = 0;
  const counting = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      size += chunk.byteLength;
      if (size > maxBytes) {
        controller.error(
          new OutboundError(
            `${what} answered more than ${maxBytes} bytes`,
            false,
          ),
        );
        return;
      }
      controller.enqueue(chunk);
    },
  });
  return new Response(response.body.pipeThrough(counting), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers as unknown as Headers,
  });
}
