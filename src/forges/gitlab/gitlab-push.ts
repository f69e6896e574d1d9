import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runGit } from "../../git/run-git.ts";
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
 *
 * The push does not run in the workspace: the agent's allowed commands
 * run the repository's code there, which can write `.git/config` (a
 * proxy, `sslVerify=false`, a credential helper that reads the token
 * from git's environment, a rewritten or extra push URL). It runs in a
 * bare repository Flowgate makes for it, whose configuration is
 * Flowgate's, that borrows the workspace's objects (git's alternates)
 * and sends to the URL from Flowgate's settings. From the workspace only
 * its commits are read, which no setting can turn into a connection.
 */
export async function pushToGitLab(
  context: GitLabForgeContext,
  workspace: GitWorkspace,
  branch: string,
  signal?: AbortSignal,
): Promise<void> {
  assertRefName(branch, "branch");
  const sha = await workspace.headSha(signal);
  const gitDir = path.resolve(
    workspace.dir,
    (
      await runGit(["rev-parse", "--git-common-dir"], {
        cwd: workspace.dir,
        signal,
      })
    ).trim(),
  );

  await context.api.checkGitRemote(context.remoteUrl, "git push");
  const pushDir = await fs.mkdtemp(path.join(os.tmpdir(), "flowgate-push-"));
  try {
    await runGit(["init", "--quiet", "--bare", pushDir], { cwd: pushDir });
    await fs.writeFile(
      path.join(pushDir, "objects", "info", "alternates"),
      `${path.join(gitDir, "objects")}\n`,
    );
    // A clone of limited depth ends in commits whose parents it lacks;
    // git must know them as such to push from them.
    await fs
      .copyFile(path.join(gitDir, "shallow"), path.join(pushDir, "shallow"))
      .catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
      });

    await runRemoteGit(
      ["push", "--quiet", context.remoteUrl, `${sha}:refs/heads/${branch}`],
      { cwd: pushDir, signal, timeoutMs: PUSH_TIMEOUT_MS },
      context.git,
      `pushing ${branch} to GitLab failed`,
    );
  } finally {
    await fs.rm(pushDir, { recursive: true, force: true });
  }
}
