import path from "node:path";
import { type RunGitOptions, runGit } from "../../git/run-git.ts";
import type { GitCredentials } from "./git-credentials.ts";
import { gitRemoteError } from "./git-remote-error.ts";

/**
 * Settings that could send the token elsewhere or over a weakened
 * connection, reset on the command line, which outranks every file: no
 * proxy, certificates checked, no credential helper (a helper is a
 * program that would inherit the token in git's environment).
 */
const CONNECTION_CONFIG = [
  "-c",
  "http.proxy=",
  "-c",
  "http.sslVerify=true",
  "-c",
  "credential.helper=",
];

/**
 * Runs a git command that talks to GitLab, with the token in git's
 * environment; a failure is a GitLabError saying what to fix, scrubbed
 * of the token. `action` opens its message ("cloning … failed").
 *
 * Besides the settings above, git may not look for a repository above
 * `cwd` (whose configuration Flowgate does not control), and may speak
 * only the protocol of GitLab's URL: no `ext::` or `file://` transport
 * that a rewritten URL could name.
 */
export async function runRemoteGit(
  args: string[],
  options: Omit<RunGitOptions, "env">,
  credentials: GitCredentials,
  action: string,
): Promise<string> {
  try {
    return await runGit([...CONNECTION_CONFIG, ...args], {
      ...options,
      env: {
        ...credentials.env,
        GIT_CEILING_DIRECTORIES: path.dirname(path.resolve(options.cwd)),
        GIT_ALLOW_PROTOCOL: credentials.protocol,
      },
    });
  } catch (error) {
    throw gitRemoteError(error, action, credentials);
  }
}
