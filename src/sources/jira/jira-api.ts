import type { z } from "zod";
import {
  OutboundError,
  OutboundStatusError,
} from "../../outbound/outbound-errors.ts";
import type {
  OutboundHttp,
  OutboundResponse,
} from "../../outbound/outbound-http.ts";
import type { ReportCall } from "../../outbox/reporter.ts";
import { credential, type JiraFlavour } from "./jira-flavour.ts";
import { jiraWords, statusHint } from "./jira-status-hint.ts";

/** The project permissions a call needs, as Jira's admin pages name them. */
export type JiraPermission =
  | "Browse projects"
  | "Add comments"
  | "Edit own comments"
  | "Link issues"
  | "Transition issues";

export interface JiraRequest {
  method: "GET" | "POST" | "PUT";
  /** Under `/rest/api/{version}`: `/issue/SHOP-1/comment`. */
  path: string;
  query?: Record<string, string>;
  json?: unknown;
  /** For the hint when Jira answers 403. */
  needs: JiraPermission;
}

/** A success answer, read against the shape Flowgate expects of it. */
export interface JiraAnswer {
  read<S extends z.ZodType>(schema: S): z.output<S>;
}

/**
 * Jira's REST API as one trigger's credentials reach it: every call goes
 * to `credentials.base_url` (never to a URL a delivery named), and a
 * refusal becomes a message that says which setting to fix.
 */
export class JiraApi {
  readonly #http: OutboundHttp;
  readonly #signal: AbortSignal;
  readonly #flavour: JiraFlavour;
  readonly #root: string;
  readonly #authorization: string;
  readonly issueKey: string;

  constructor(flavour: JiraFlavour, call: ReportCall) {
    this.#flavour = flavour;
    this.#http = call.http;
    this.#signal = call.signal;
    const base = baseUrl(call.credentials, flavour);
    this.#root = `${base}/rest/api/${flavour.apiVersion}`;
    this.#authorization = flavour.authorization(call.credentials);
    this.issueKey = issueKey(call.report.externalReference, flavour);
  }

  get label(): string {
    return this.#flavour.label;
  }

  /** `/issue/{key}` and what follows it. */
  issuePath(rest = ""): string {
    return `/issue/${encodeURIComponent(this.issueKey)}${rest}`;
  }

  send(request: JiraRequest): Promise<JiraAnswer> {
    // Without missingOk, #send answers or throws; it never answers none.
    return this.#send(request, false) as Promise<JiraAnswer>;
  }

  /** As `send`, but a 404 answers `undefined` instead of throwing. */
  sendIfFound(request: JiraRequest): Promise<JiraAnswer | undefined> {
    return this.#send(request, true);
  }

  async #send(
    request: JiraRequest,
    missingOk: boolean,
  ): Promise<JiraAnswer | undefined> {
    const query = request.query ? `?${new URLSearchParams(request.query)}` : "";
    const url = `${this.#root}${request.path}${query}`;
    let response: OutboundResponse;
    try {
      response = await this.#http.send({
        method: request.method,
        url,
        headers: { authorization: this.#authorization },
        ...(request.json === undefined ? {} : { json: request.json }),
        signal: this.#signal,
      });
    } catch (error) {
      if (!(error instanceof OutboundStatusError)) throw error;
      if (error.status === 404 && missingOk) return undefined;
      throw this.#explain(error, request);
    }
    return answer(response, `${request.method} ${this.#root}${request.path}`);
  }

  #explain(error: OutboundStatusError, request: JiraRequest): OutboundError {
    const hint = statusHint(error.status, {
      flavour: this.#flavour,
      issueKey: this.issueKey,
      needs: request.needs,
    });
    const words = jiraWords(error.bodyPreview);
    const message = [
      `${this.#flavour.label}: ${error.message}`,
      hint,
      words && `Jira said: ${words}`,
    ]
      .filter(Boolean)
      .join("; ");
    return new OutboundError(message, error.transient, {
      cause: error,
      retryAfterMs: error.retryAfterMs,
    });
  }
}

function answer(response: OutboundResponse, what: string): JiraAnswer {
  return {
    read(schema) {
      const parsed = schema.safeParse(response.json());
      if (parsed.success) return parsed.data;
      const where = parsed.error.issues[0]?.path.join(".") || "the body";
      throw new OutboundError(
        `${what} answered a shape Flowgate cannot read (at ${where})`,
        false,
        { cause: parsed.error },
      );
    },
  };
}

/** The trigger's base URL without a trailing slash; a context path
 * (Data Center's `/jira`) is kept. */
function baseUrl(
  credentials: Readonly<Record<string, string>>,
  flavour: JiraFlavour,
): string {
  const value = credential(credentials, "base_url", flavour.label);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    url = new URL("invalid:");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new OutboundError(
      `${flavour.label} credentials.base_url is not an http(s) URL; set ` +
        "it to the site's address, e.g. https://acme.atlassian.net",
      false,
    );
  }
  if (url.username || url.password) {
    throw new OutboundError(
      `${flavour.label} credentials.base_url carries a user name or ` +
        "password; remove them and set the other credentials instead",
      false,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

// Project keys are letters, digits and underscores (admins may widen
// the pattern, never to slashes or dots); an issue id is a number.
const ISSUE_KEY = /^(?:[A-Za-z][A-Za-z0-9_]*-\d+|\d+)$/;

function issueKey(reference: string, flavour: JiraFlavour): string {
  if (ISSUE_KEY.test(reference)) return reference;
  throw new OutboundError(
    `${flavour.label} cannot report on "${reference.slice(0, 60)}": it is ` +
      "not an issue key like PROJ-123",
    false,
  );
}
