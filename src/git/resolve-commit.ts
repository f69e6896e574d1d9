import { GitError } from "./git-error.ts";
import { runGit } from "./run-git.ts";

/**
 * The commit sha `revision` names in the repository at `cwd`, or undefined
 * when it names none. Callers validate `revision` first (isSafeRefName).
 */
export async function resolveCommit(
  cwd: string,
  revision: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  try {
    const output = await runGit(
      ["rev-parse", "--verify", "--quiet", `${revision}^{commit}`],
      { cwd, signal },
    );
    return output.trim();
  } catch (error) {
    // --quiet turns "no such commit" into exit 1 without a message.
    if (error instanceof GitError && error.exitCode === 1) return undefined;
    throw error;
  }
}
