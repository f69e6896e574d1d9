import { retryAfterMs } from "../../models/retry-after.ts";
import {
  OutboundError,
  OutboundStatusError,
} from "../../outbound/outbound-errors.ts";
import type { OutboundResponse } from "../../outbound/outbound-http.ts";
import type { ReportCall } from "../../outbox/reporter.ts";

const DEFAULT_API_URL = "https://api.linear.app/graphql";
const QUOTED_MESSAGE_CHARS = 200;

/** Runs one GraphQL operation; `what` names it in messages. */
export type LinearGraphql = <T>(
  what: string,
  query: string,
  variables: Record<string, unknown>,
) => Promise<T>;

interface GraphqlError {
  message?: string;
  extensions?: {
    code?: string;
    type?: string;
    userPresentableMessage?: string;
  };
}

interface GraphqlAnswer<T> {
  data?: T | null;
  errors?: GraphqlError[];
}

/** A GraphQL client with the trigger's `{api_key, api_url?}`. */
export function linearGraphql(call: ReportCall): LinearGraphql {
  const apiKey = call.credentials.api_key;
  if (!apiKey) {
    throw new OutboundError(
      "The trigger has no Linear API key: set credentials.api_key to a " +
        "Linear API key that may comment on and update the team's issues",
      false,
    );
  }
  const url = call.credentials.api_url ?? DEFAULT_API_URL;

  return async <T>(
    what: string,
    query: string,
    variables: Record<string, unknown>,
  ) => {
    let response: OutboundResponse;
    try {
      response = await call.http.send({
        method: "POST",
        url,
        // Personal API keys go as they are; "Bearer" is for OAuth tokens.
        headers: { authorization: apiKey },
        json: { query, variables },
        signal: call.signal,
      });
    } catch (error) {
      throw fromStatus(error, what, apiKey);
    }

    // Linear answers most failures with 200 and an `errors` list; a
    // partial `data` beside them is not trusted.
    const answer = response.json<GraphqlAnswer<T>>();
    if (answer.errors?.length) {
      throw fromErrors(answer.errors, what, apiKey, {
        transient: false,
        retryAfterMs: retryAfterMs(response.headers),
      });
    }
    if (!answer.data) {
      throw new OutboundError(`Linear answered ${what} with no data`, false);
    }
    return answer.data;
  };
}

function fromStatus(error: unknown, what: string, apiKey: string): unknown {
  if (!(error instanceof OutboundStatusError)) return error;
  const context = {
    transient: error.transient,
    retryAfterMs: error.retryAfterMs,
    cause: error,
  };
  const errors = errorsIn(error.bodyPreview);
  if (errors) return fromErrors(errors, what, apiKey, context);
  if (error.status === 401) {
    // A 401 that says no more is still the key's fault.
    const unsaid = [{ extensions: { type: "authentication error" } }];
    return fromErrors(unsaid, what, apiKey, context);
  }
  return new OutboundError(
    `Linear failed ${what}: ${error.message}`,
    error.transient,
    context,
  );
}

/** The errors of a 4xx/5xx body. The preview may be cut short; then
 * the codes are picked out of the text, as they decide the retry. */
function errorsIn(preview: string): GraphqlError[] | undefined {
  try {
    const body = JSON.parse(preview) as GraphqlAnswer<unknown>;
    return body.errors?.length ? body.errors : undefined;
  } catch {
    const code = /"code"\s*:\s*"([^"]+)"/.exec(preview)?.[1];
    const type = /"type"\s*:\s*"([^"]+)"/.exec(preview)?.[1];
    if (code === undefined && type === undefined) return undefined;
    return [
      {
        message: "(the answer was cut short)",
        extensions: {
          ...(code !== undefined && { code }),
          ...(type !== undefined && { type }),
        },
      },
    ];
  }
}

function fromErrors(
  errors: GraphqlError[],
  what: string,
  apiKey: string,
  context: {
    transient: boolean;
    retryAfterMs: number | undefined;
    cause?: unknown;
  },
): OutboundError {
  const [first] = errors;
  const code = first?.extensions?.code?.toUpperCase() ?? "";
  const type = first?.extensions?.type?.toLowerCase() ?? "";
  const said = quote(first, apiKey);
  const options = { cause: context.cause, retryAfterMs: context.retryAfterMs };

  if (code === "RATELIMITED" || type === "ratelimited") {
    return new OutboundError(
      `Linear rate-limited ${what} (${said}); it is tried again later`,
      true,
      options,
    );
  }
  if (code === "AUTHENTICATION_ERROR" || type === "authentication error") {
    return new OutboundError(
      `Linear refused the API key for ${what}: set the trigger's ` +
        "credentials.api_key to a valid Linear API key (a personal key " +
        'is sent as it is, without "Bearer")',
      false,
      options,
    );
  }
  if (code === "FORBIDDEN" || type === "forbidden") {
    return new OutboundError(
      `Linear forbade ${what} (${said}): give the API key's user access ` +
        "to the issue's team, or set credentials.api_key to a key that has it",
      false,
      options,
    );
  }
  const busy = ["internal error", "lock timeout", "network error"];
  return new OutboundError(
    `Linear refused ${what}: ${said}`,
    context.transient || busy.includes(type),
    options,
  );
}

// Linear's own words, short, and never with the key in them.
function quote(error: GraphqlError | undefined, apiKey: string): string {
  const text =
    error?.extensions?.userPresentableMessage ??
    error?.message ??
    "no reason given";
  return text.slice(0, QUOTED_MESSAGE_CHARS).replaceAll(apiKey, "[api key]");
}
