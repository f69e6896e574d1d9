import fs from "node:fs/promises";
import path from "node:path";
import { GitError } from "../../git/git-error.ts";
import { resolveCommit } from "../../git/resolve-commit.ts";
import { runGit } from "../../git/run-git.ts";
import type { CheckoutResult, ForgeProject } from "../forge.ts";
import { ForgeNotFoundError } from "../forge-not-found-error.ts";
import { GitWorkspace } from "../git-workspace.ts";
import type { LocalForgeContext } from "./local-forge-context.ts";
import { removeBrokenWorktrees } from "./remove-broken-worktrees.ts";
import { existingRepositoryDir } from "./repository-dir.ts";
import { assertRefName } from "./validate-input.ts";

const MINUTE = 60 * 1000;
// Checking out a large repository's tree can take a while.
const CHECKOUT_TIMEOUT_MS = 10 * MINUTE;

/**
 * Gives the run a working tree of the project's repository in `dir`,
 * which must not exist or be empty, with `branch` checked out: the
 * forge's branch when an earlier attempt made it, else a new branch from
 * the default branch.
 *
 * The working tree is a `git worktree` of the bare repository rather than
 * a clone: it shares the repository's objects and refs, so it costs no
 * copy to make and its commits are on the forge as soon as they are made
 * (a clone and a push took most of a run's time).
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
  await removeBrokenWorktrees(bare);

  // The common case first, in one git process: a new branch.
  // --force twice: once for a branch still registered to a dead run's
  // worktree, twice for one whose `worktree add` was killed while it held
  // the worktree's "initializing" lock (which also keeps prune away).
  const add = ["worktree", "add", "--quiet", "--force", "--force"];
  const base = `refs/heads/${project.defaultBranch}`;
  try {
    await runGit([...add, "-b", branch, dir, base], {
      cwd: bare,
      signal,
      timeoutMs: CHECKOUT_TIMEOUT_MS,
    });
    return { workspace: new GitWorkspace(dir), branchCreated: true };
  } catch (error) {
    if (!(error instanceof GitError) || error.exitCode === undefined)
      throw error;
  }

  // A retry or a follow-up: the branch exists, or a run that died while
  // git wrote it left it locked. A run's branch is only ever written by
  // that run (one active run per ticket), so a lock found now belongs to a
  // dead process. Its worktree is still registered; its directory is gone
  // (the workflow removes it), so prune forgets it and frees the branch.
  await fs.rm(path.join(bare, "refs", "heads", `${branch}.lock`), {
    force: true,
  });
  await runGit(["worktree", "prune"], { cwd: bare, signal });
  if (await resolveCommit(bare, `refs/heads/${branch}`, signal)) {
    await runGit([...add, dir, branch], {
      cwd: bare,
      signal,
      timeoutMs: CHECKOUT_TIMEOUT_MS,
    });
    return { workspace: new GitWorkspace(dir), branchCreated: false };
  }
  if (!(await resolveCommit(bare, base, signal))) {
    throw new ForgeNotFoundError(
      `project ${project.path} has no branch ${project.defaultBranch} to ` +
        "start from; push it, or change the project's default_branch",
    );
  }
  // Neither reason: try once more, and let git's own error speak.
  await runGit([...add, "-b", branch, dir, base], {
    cwd: bare,
    signal,
    timeoutMs: CHECKOUT_TIMEOUT_MS,
  });
  return { workspace: new GitWorkspace(dir), branchCreated: true };
}
