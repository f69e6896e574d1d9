import type { GitWorkspace } from "../git-workspace.ts";
import { assertRefName } from "../local/validate-input.ts";
import type { GitLabForgeContext } from "./gitlab-forge-context.ts";
import { runRemoteGit } from "./run-remote-git.ts";

const MINUTE_MS = 60 * 1000;
const PUSH_TIMEOUT_MS = 5 * MINUTE_MS;

/**
 * Pushes the workspace's HEAD to `branch` on GitLab, creating it there on
 * the first push. A branch GitLab already has at these commits makes it
 * a no-op; one that moved on is refused rather than overwritten.
 */
export async function pushToGitLab(
  context: GitLabForgeContext,
  workspace: GitWorkspace,
  branch: string,
  signal?: AbortSignal,
): Promise<void> {
  assertRefName(branch, "branch");
  await runRemoteGit(
    ["push", "--quiet", "origin", `HEAD:refs/heads/${branch}`],
    { cwd: workspace.dir, signal, timeoutMs: PUSH_TIMEOUT_MS },
    context.git,
    `pushing ${branch} to GitLab failed`,
  );
}
