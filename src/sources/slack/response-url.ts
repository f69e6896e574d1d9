import {
  OutboundError,
  OutboundStatusError,
} from "../../outbound/outbound-errors.ts";
import type { ReportCall } from "../../outbox/reporter.ts";

/** How error messages name the URL, which is a bearer secret. */
const NAME = "Slack's response_url";

/** Slack no longer takes posts on this response_url (expired, used
 * five times, or unknown): post with the Web API instead. */
export class SpentResponseUrl extends OutboundError {
  constructor(reason: string) {
    super(`${NAME} no longer takes messages (${reason})`, false);
    this.name = "SpentResponseUrl";
  }
}

export interface ResponsePayload {
  response_type: "in_channel";
  replace_original: boolean;
  text: string;
}

/**
 * Posts one message to a slash command's response_url. Whatever goes
 * wrong is told without the URL: the error is rebuilt with the URL
 * replaced by its name, down the chain of causes.
 */
export async function postToResponseUrl(
  call: ReportCall,
  url: string,
  payload: ResponsePayload,
): Promise<void> {
  let text: string;
  try {
    const response = await call.http.send({
      method: "POST",
      url,
      json: payload,
      signal: call.signal,
    });
    text = response.text;
  } catch (error) {
    if (error instanceof OutboundStatusError && !error.transient) {
      throw new SpentResponseUrl(`answered ${error.status}`);
    }
    throw withoutUrl(error, url);
  }
  const answer = jsonOrUndefined(text);
  if (answer?.ok === false) {
    const code = typeof answer.error === "string" ? answer.error : "unknown";
    throw new SpentResponseUrl(`answered ok: false, "${code.slice(0, 64)}"`);
  }
}

/** Slack answers `ok` as text, or JSON that may say `"ok": false`. */
function jsonOrUndefined(
  text: string,
): { ok?: unknown; error?: unknown } | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

function withoutUrl(error: unknown, url: string): OutboundError {
  const transient = error instanceof OutboundError ? error.transient : false;
  const retryAfterMs =
    error instanceof OutboundError ? error.retryAfterMs : undefined;
  const scrubbed = scrub(error, secretsOf(url));
  return new OutboundError(scrubbed.message, transient, {
    cause: scrubbed.cause,
    retryAfterMs,
  });
}

/** The forms the URL takes in messages: whole, without its query (as
 * the outbound client writes it), and its path alone. */
function secretsOf(url: string): string[] {
  const parsed = new URL(url);
  const bare = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  return [url, bare, parsed.pathname].filter((form) => form.length > 1);
}

function scrub(error: unknown, secrets: string[], depth = 0): Error {
  const message = error instanceof Error ? error.message : String(error);
  let clean = message;
  for (const secret of secrets) clean = clean.replaceAll(secret, NAME);
  const copy = new Error(clean);
  copy.name = error instanceof Error ? error.name : "Error";
  copy.stack = `${copy.name}: ${clean}`;
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause !== undefined && depth < 4) {
    copy.cause = scrub(cause, secrets, depth + 1);
  }
  return copy;
}
