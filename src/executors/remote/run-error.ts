import { GitLabError } from "../../forges/gitlab/gitlab-api.ts";
import { FatalJobError } from "../../queue/worker.ts";

export interface RunErrorContext {
  /** What Flowgate was doing, e.g. "starting a GitLab Duo flow". */
  doing: string;
  /** What to do about a refusal, by GitLab's status: a clause that
   * follows GitLab's message and the client's hint. */
  hints: Partial<Record<number, string>>;
  /** Values no message may show (a trigger token). */
  secrets?: readonly string[] | undefined;
}

/**
 * A caught GitLab failure as the run's error. A refusal no retry can
 * mend (a token, a seat, a setting) fails the run at once, saying what
 * to change; a transient one stays retryable for the job's backoff.
 */
export function asRunError(error: unknown, context: RunErrorContext): Error {
  if (!(error instanceof GitLabError)) {
    return error instanceof Error ? error : new Error(String(error));
  }
  const hint =
    error.status === undefined ? undefined : context.hints[error.status];
  const said = `${context.doing} failed: ${error.message}`;
  const message = redact(
    hint ? `${said}; ${hint}` : said,
    context.secrets ?? [],
  );
  if (error.transient) {
    return new GitLabError(message, error.status, true, { cause: error });
  }
  return new FatalJobError(message, { cause: error });
}

/** Runs one phase of remote work, its GitLab failures as run errors. */
export async function guarded<T>(
  context: RunErrorContext,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asRunError(error, context);
  }
}

function redact(text: string, secrets: readonly string[]): string {
  let redacted = text;
  for (const secret of secrets) {
    if (secret.length >= 8)
      redacted = redacted.replaceAll(secret, "[redacted]");
  }
  return redacted;
}
