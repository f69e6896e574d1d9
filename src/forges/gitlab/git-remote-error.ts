import { GitError } from "../../git/git-error.ts";
import type { GitCredentials } from "./git-credentials.ts";
import { GitLabError } from "./gitlab-api.ts";

// git prints the last lines that matter; more would bury them in a log.
const MAX_LINES_SHOWN = 4;

/**
 * Turns a failed clone, ls-remote or push into a GitLabError whose
 * message says what to fix, with the token scrubbed from everything git
 * printed. The original error is replaced, not kept as the cause: its
 * own message and stderr are unscrubbed, and a logged cause chain would
 * print them.
 */
export function gitRemoteError(
  error: unknown,
  action: string,
  credentials: GitCredentials,
): unknown {
  if (!(error instanceof GitError)) return error;
  const stderr = credentials.redact(error.stderr);
  const cause = new GitError(credentials.redact(error.message), {
    subcommand: error.subcommand,
    stderr,
    exitCode: error.exitCode,
    cause: undefined,
  });
  if (error.exitCode === undefined) {
    // Killed, timed out or not started: git's own message says which.
    return new GitLabError(`${action}: ${cause.message}`, undefined, true, {
      cause,
    });
  }

  const status = httpStatusIn(stderr);
  const explained = explanation(status, stderr);
  const lines = stderr.split("\n").slice(-MAX_LINES_SHOWN).join(" / ");
  const said = lines ? `; git said: ${lines}` : "";
  const transient =
    status === undefined
      ? !isRejection(stderr)
      : status === 429 || status >= 500;
  return new GitLabError(`${action}: ${explained}${said}`, status, transient, {
    cause,
  });
}

/** The HTTP status behind git's words, when they show one. */
function httpStatusIn(stderr: string): number | undefined {
  const shown = /returned error: (\d{3})|RPC failed; HTTP (\d{3})/.exec(stderr);
  if (shown) return Number(shown[1] ?? shown[2]);
  // A 401 makes git ask for credentials, which it may not do here.
  if (/terminal prompts disabled|Authentication failed/i.test(stderr)) {
    return 401;
  }
  if (/repository '[^']*' not found/.test(stderr)) return 404;
  return undefined;
}

function explanation(status: number | undefined, stderr: string): string {
  if (status === 401) {
    return (
      "GitLab refused the project's token (401): it is wrong, expired or " +
      "revoked; set a new one on the project"
    );
  }
  if (status === 403) {
    return (
      "GitLab did not let the token do this (403): it needs the api " +
      "scope (which includes Git over HTTPS) and its user the Developer " +
      "role on the project, and a protected branch refuses Developers' " +
      "pushes"
    );
  }
  if (status === 404) {
    return (
      "GitLab has no such repository for the token's user (404): check " +
      "that the project's path is GitLab's path_with_namespace and that " +
      "the user is a member"
    );
  }
  if (status !== undefined) {
    return `GitLab answered ${status}; the run retries later`;
  }
  if (/\[rejected\]/.test(stderr)) {
    return (
      "GitLab's branch has commits this run does not have (someone " +
      "pushed to it); the next attempt starts from GitLab's branch"
    );
  }
  if (/\[remote rejected\]/.test(stderr)) {
    return "GitLab refused the change (a push rule or a protected branch)";
  }
  return "git failed talking to GitLab";
}

/** GitLab refusing the change itself, which a retry meets again. */
function isRejection(stderr: string): boolean {
  return /\[remote rejected\]/.test(stderr);
}
