import {
  OutboundError,
  OutboundStatusError,
} from "../../outbound/outbound-errors.ts";
import type { ReportCall } from "../../outbox/reporter.ts";
import type { ClientCredentials, OauthTokens } from "./oauth-tokens.ts";

type Auth =
  | { kind: "basic"; username: string; password: string }
  | { kind: "oauth"; client: ClientCredentials };

const CREDENTIALS_HINT =
  "set the trigger's credentials to {instance_url, username, password} " +
  "or {instance_url, client_id, client_secret}";

export interface TableRequest {
  method: "GET" | "PATCH";
  /** From the instance's root: `/api/now/table/incident/<sys_id>`. */
  path: string;
  query?: Record<string, string>;
  json?: unknown;
  /** What the integration user lacks when ServiceNow answers 403. */
  needs: string;
  /** What a 404 means, when it means the record is not there. */
  missing?: string;
}

export interface TableApi {
  /** The answer's `result`: a record, or a list for queries. */
  send<T>(request: TableRequest): Promise<T>;
}

/**
 * The Table API of the one instance the trigger's credentials name:
 * every call goes to `credentials.instance_url`, never to an address a
 * delivery carried.
 */
export function tableApi(call: ReportCall, tokens: OauthTokens): TableApi {
  const origin = instanceOrigin(call.credentials);
  const auth = authOf(call.credentials);

  const authorization = async (): Promise<string> => {
    if (auth.kind === "basic") {
      const pair = `${auth.username}:${auth.password}`;
      return `Basic ${Buffer.from(pair).toString("base64")}`;
    }
    const token = await tokens.token(
      call.http,
      origin,
      auth.client,
      call.signal,
    );
    return `Bearer ${token}`;
  };

  return {
    async send<T>(request: TableRequest): Promise<T> {
      const query = request.query
        ? `?${new URLSearchParams(request.query)}`
        : "";
      const url = `${origin}${request.path}${query}`;
      // A cached token can be revoked before it expires: ask for a new
      // one once, then believe the instance.
      for (let attempt = 1; ; attempt += 1) {
        const headers = { authorization: await authorization() };
        try {
          const response = await call.http.send({
            method: request.method,
            url,
            headers,
            ...(request.json === undefined ? {} : { json: request.json }),
            signal: call.signal,
          });
          return resultOf<T>(response.json(), request);
        } catch (error) {
          if (auth.kind === "oauth" && isStatus(error, 401) && attempt === 1) {
            tokens.forget(origin, auth.client);
            continue;
          }
          throw explain(error, request, auth);
        }
      }
    },
  };
}

function instanceOrigin(credentials: Readonly<Record<string, string>>) {
  const value = credentials.instance_url;
  if (!value) {
    throw new OutboundError(
      `The trigger's credentials lack instance_url: ${CREDENTIALS_HINT}`,
      false,
    );
  }
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new OutboundError(
      "The trigger's credentials.instance_url is not an http(s) URL; set " +
        "it to the instance's address, e.g. https://acme.service-now.com",
      false,
    );
  }
  return url.origin;
}

function authOf(credentials: Readonly<Record<string, string>>): Auth {
  const { username, password, client_id, client_secret } = credentials;
  if (client_id && client_secret) {
    return {
      kind: "oauth",
      client: { clientId: client_id, clientSecret: client_secret },
    };
  }
  if (username && password) return { kind: "basic", username, password };
  throw new OutboundError(
    "The trigger's credentials hold neither username and password nor " +
      `client_id and client_secret: ${CREDENTIALS_HINT}`,
    false,
  );
}

function resultOf<T>(answer: unknown, request: TableRequest): T {
  const result = (answer as { result?: unknown } | null)?.result;
  if (result === undefined || result === null) {
    throw new OutboundError(
      `ServiceNow answered ${request.method} ${request.path} without a result`,
      false,
    );
  }
  return result as T;
}

/** Turns a refusal into what the operator has to change. */
function explain(error: unknown, request: TableRequest, auth: Auth): unknown {
  if (!(error instanceof OutboundStatusError)) return error;
  const said = servicenowMessage(error.bodyPreview);
  const answered = said ? `${error.message} (${said})` : error.message;
  const fixed = (fix: string) =>
    new OutboundError(`${answered}: ${fix}`, false, { cause: error });

  if (error.status === 401) {
    const names =
      auth.kind === "basic"
        ? "credentials.username and credentials.password"
        : "credentials.client_id and credentials.client_secret";
    return fixed(
      `ServiceNow refused the trigger's ${names}; correct them with ` +
        "PATCH …/workflows/triggers/:trigger_id",
    );
  }
  if (error.status === 403) {
    return fixed(`the integration user needs ${request.needs}`);
  }
  if (error.status === 404 && request.missing) return fixed(request.missing);
  return new OutboundError(answered, error.transient, {
    cause: error,
    retryAfterMs: error.retryAfterMs,
  });
}

/** ServiceNow's `{"error": {"message", "detail"}, "status": "failure"}`;
 * the preview may be cut short, and then says nothing usable. */
function servicenowMessage(preview: string): string | undefined {
  try {
    const { error } = JSON.parse(preview) as {
      error?: { message?: unknown; detail?: unknown };
    };
    const parts = [error?.message, error?.detail].filter(
      (part): part is string => typeof part === "string" && part !== "",
    );
    return parts.length > 0 ? parts.join(": ") : undefined;
  } catch {
    return undefined;
  }
}

function isStatus(error: unknown, status: number): boolean {
  return error instanceof OutboundStatusError && error.status === status;
}
