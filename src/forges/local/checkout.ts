import fs from "node:fs/promises";
import path from "node:path";
import { resolveCommit } from "../../git/resolve-commit.ts";
import { runGit } from "../../git/run-git.ts";
import type { CheckoutResult, ForgeProject } from "../forge.ts";
import { ForgeNotFoundError } from "../forge-not-found-error.ts";
import { GitWorkspace } from "../git-workspace.ts";
import type { LocalForgeContext } from "./local-forge-context.ts";
import { existingRepositoryDir } from "./repository-dir.ts";
import { assertRefName } from "./validate-input.ts";

const MINUTE = 60 * 1000;
const CLONE_TIMEOUT_MS = 10 * MINUTE;

/**
 * Clones the project's repository into `dir`, which must not exist or be
 * empty, and checks out `branch`: the forge's branch when a previous
 * attempt pushed it, else a new branch from the default branch.
 */
export async function checkoutBranch(
  context: LocalForgeContext,
  project: ForgeProject,
  dir: string,
  branch: string,
  signal?: AbortSignal,
): Promise<CheckoutResult> {
  assertRefName(branch, "branch");
  const bare = await existingRepositoryDir(
    context.repositoriesDir,
    project.path,
  );

  await fs.mkdir(path.dirname(dir), { recursive: true });
  await runGit(["clone", "--no-hardlinks", "--quiet", "--", bare, dir], {
    cwd: path.dirname(dir),
    signal,
    timeoutMs: CLONE_TIMEOUT_MS,
  });
  const workspace = new GitWorkspace(dir);

  const pushed = `refs/remotes/origin/${branch}`;
  if (await resolveCommit(dir, pushed, signal)) {
    await switchTo(dir, branch, pushed, signal);
    return { workspace, branchCreated: false };
  }

  const base = `refs/remotes/origin/${project.defaultBranch}`;
  if (!(await resolveCommit(dir, base, signal))) {
    throw new ForgeNotFoundError(
      `project ${project.path} has no branch ${project.defaultBranch} to ` +
        "start from; push it, or change the project's default_branch",
    );
  }
  await switchTo(dir, branch, base, signal);
  return { workspace, branchCreated: true };
}

async function switchTo(
  dir: string,
  branch: string,
  startPoint: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  // -B, because the clone may already have the branch checked out (when it
  // is the default branch); "--" keeps the start point from being a path.
  await runGit(
    ["checkout", "--quiet", "--no-track", "-B", branch, startPoint, "--"],
    { cwd: dir, signal },
  );
}
