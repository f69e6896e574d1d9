import {
  OutboundError,
  OutboundStatusError,
} from "../../outbound/outbound-errors.ts";
import type { ReportCall } from "../../outbox/reporter.ts";

const DEFAULT_API_URL = "https://api.github.com";
const API_VERSION = "2022-11-28";
const QUOTED_MESSAGE_CHARS = 200;

/** An issue as `external_reference` names it: `{owner}/{repo}#{n}`. */
export interface GithubIssue {
  owner: string;
  repo: string;
  number: number;
  /** `/repos/{owner}/{repo}`, encoded. */
  repoPath: string;
  reference: string;
}

export type GithubRest = <T>(
  method: "GET" | "POST" | "PATCH",
  path: string,
  json?: unknown,
) => Promise<T>;

export function githubIssue(reference: string): GithubIssue {
  const parts = /^([\w.-]+)\/([\w.-]+)#(\d+)$/.exec(reference);
  const [, owner, repo, number] = parts ?? [];
  if (!owner || !repo || !number) {
    throw new OutboundError(
      `"${reference.slice(0, 100)}" is not a GitHub issue reference ` +
        "({owner}/{repo}#{number}); the run's external_reference must " +
        "name the issue it reports to",
      false,
    );
  }
  return {
    owner,
    repo,
    number: Number(number),
    repoPath: `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`,
    reference,
  };
}

/** A REST client with the trigger's `{token, api_url?}`. */
export function githubRest(call: ReportCall, issue: GithubIssue): GithubRest {
  const token = call.credentials.token;
  if (!token) {
    throw new OutboundError(
      "The trigger has no GitHub token: set credentials.token to a token " +
        `with the "Issues: write" permission on ${issue.owner}/${issue.repo}`,
      false,
    );
  }
  const base = (call.credentials.api_url ?? DEFAULT_API_URL).replace(
    /\/+$/,
    "",
  );

  return async <T>(
    method: "GET" | "POST" | "PATCH",
    path: string,
    json?: unknown,
  ) => {
    try {
      const response = await call.http.send({
        method,
        url: `${base}${path}`,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/vnd.github+json",
          "x-github-api-version": API_VERSION,
        },
        ...(json !== undefined && { json }),
        signal: call.signal,
      });
      return response.json<T>();
    } catch (error) {
      throw explain(error, issue, token);
    }
  };
}

/** Turns GitHub's refusals into what the operator should change. */
function explain(error: unknown, issue: GithubIssue, token: string): unknown {
  if (!(error instanceof OutboundStatusError)) return error;
  const said = quote(error.bodyPreview, token);
  const repository = `${issue.owner}/${issue.repo}`;
  const options = { cause: error, retryAfterMs: error.retryAfterMs };
  const fail = (advice: string, transient = false) =>
    new OutboundError(
      `${error.message} (${said}): ${advice}`,
      transient,
      options,
    );

  // A rate limit is 403 or 429: the secondary one says Retry-After, the
  // primary one x-ratelimit-remaining: 0 and x-ratelimit-reset (a Unix
  // time), which sets the wait when no Retry-After came.
  const spent = error.headers["x-ratelimit-remaining"] === "0";
  const limited =
    error.status === 429 ||
    (error.status === 403 &&
      (error.retryAfterMs !== undefined || spent || /rate limit/i.test(said)));
  if (limited) {
    return new OutboundError(
      `${error.message} (${said}): GitHub's rate limit; tried again later`,
      true,
      { cause: error, retryAfterMs: error.retryAfterMs ?? resetWaitMs(error) },
    );
  }

  switch (error.status) {
    case 401:
      return fail(
        "GitHub refused the token; set the trigger's credentials.token " +
          "to a valid token",
      );
    case 403:
      return fail(
        `the token may not write to ${repository}'s issues; give it the ` +
          '"Issues: write" permission (fine-grained) or the repo scope ' +
          `(classic), with access to ${repository}`,
      );
    case 404:
      return fail(
        `GitHub shows no ${issue.reference} to this token; check the ` +
          `reference and give the token access to ${repository}`,
      );
    case 410:
      return fail(`issues are turned off or deleted in ${repository}`);
    default:
      return fail(
        error.transient ? "tried again later" : "GitHub refused the request",
        error.transient,
      );
  }
}

// GitHub's `message`, short, and never with the token in it.
function quote(preview: string, token: string): string {
  let text = preview;
  try {
    const body = JSON.parse(preview) as { message?: unknown };
    if (typeof body.message === "string") text = body.message;
  } catch {
    // Not JSON (a proxy's page): the text itself is quoted.
  }
  return (text.trim() || "no reason given")
    .slice(0, QUOTED_MESSAGE_CHARS)
    .replaceAll(token, "[token]");
}

/** The wait until `x-ratelimit-reset`, when GitHub gave it. */
function resetWaitMs(error: OutboundStatusError): number | undefined {
  const reset = error.headers["x-ratelimit-reset"];
  if (reset === undefined || !/^\d+$/.test(reset)) return undefined;
  return Math.max(0, Number(reset) * 1000 - Date.now());
}
