import { type RunGitOptions, runGit } from "../../git/run-git.ts";
import type { GitCredentials } from "./git-credentials.ts";
import { gitRemoteError } from "./git-remote-error.ts";

/**
 * Runs a git command that talks to GitLab, with the token in git's
 * environment; a failure is a GitLabError saying what to fix, scrubbed
 * of the token. `action` opens its message ("cloning … failed").
 */
export async function runRemoteGit(
  args: string[],
  options: Omit<RunGitOptions, "env">,
  credentials: GitCredentials,
  action: string,
): Promise<string> {
  try {
    return await runGit(args, { ...options, env: credentials.env });
  } catch (error) {
    throw gitRemoteError(error, action, credentials);
  }
}
