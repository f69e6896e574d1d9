import fs from "node:fs/promises";
import path from "node:path";
import { runGit } from "../../git/run-git.ts";
import type { CheckoutResult, ForgeProject } from "../forge.ts";
import { ForgeNotFoundError } from "../forge-not-found-error.ts";
import { GitWorkspace } from "../git-workspace.ts";
import { assertRefName } from "../local/validate-input.ts";
import { gitRemoteUrl } from "./git-credentials.ts";
import type { GitLabForgeContext } from "./gitlab-forge-context.ts";
import { runRemoteGit } from "./run-remote-git.ts";

const MINUTE_MS = 60 * 1000;
// Fetching and checking out a large repository can take a while.
const CLONE_TIMEOUT_MS = 10 * MINUTE_MS;
// Enough history for the agent to read recent changes; a run needs no
// more, and a full clone of a large repository costs minutes.
const CLONE_DEPTH = 50;

/**
 * Clones the project from GitLab into `dir` (which must not exist or be
 * empty) with `branch` checked out: GitLab's branch when an earlier
 * attempt pushed it, else a new branch from the default branch, which
 * the push creates on GitLab.
 *
 * git connects by itself, past the outbound client, so the remote is
 * checked against FLOWGATE_OUTBOUND_* first (as it resolves now).
 */
export async function checkoutFromGitLab(
  context: GitLabForgeContext,
  project: ForgeProject,
  dir: string,
  branch: string,
  signal?: AbortSignal,
): Promise<CheckoutResult> {
  assertRefName(branch, "branch");
  assertRefName(project.defaultBranch, "default branch");
  const remoteUrl = gitRemoteUrl(context.baseUrl, project.path);
  await context.api.checkGitRemote(remoteUrl, "git clone");
  const parent = path.dirname(dir);
  await fs.mkdir(parent, { recursive: true });

  const heads = await remoteHeads(
    context,
    remoteUrl,
    [branch, project.defaultBranch],
    parent,
    signal,
  );
  const exists = heads.has(branch);
  if (!exists && !heads.has(project.defaultBranch)) {
    throw new ForgeNotFoundError(
      `project ${project.path} has no branch ${project.defaultBranch} on ` +
        "GitLab to start from; push it, or register the project with " +
        "GitLab's default branch as default_branch",
    );
  }

  await runRemoteGit(
    [
      "clone",
      "--quiet",
      `--depth=${CLONE_DEPTH}`,
      "--no-tags",
      `--branch=${exists ? branch : project.defaultBranch}`,
      "--",
      remoteUrl,
      dir,
    ],
    { cwd: parent, signal, timeoutMs: CLONE_TIMEOUT_MS },
    context.git,
    `cloning ${remoteUrl} failed`,
  );
  if (!exists) {
    await runGit(["checkout", "--quiet", "-b", branch], { cwd: dir, signal });
  }
  return { workspace: new GitWorkspace(dir), branchCreated: !exists };
}

/** Which of `branches` GitLab has, asked in one round trip. */
async function remoteHeads(
  context: GitLabForgeContext,
  remoteUrl: string,
  branches: string[],
  cwd: string,
  signal: AbortSignal | undefined,
): Promise<Set<string>> {
  const refs = branches.map((branch) => `refs/heads/${branch}`);
  const listing = await runRemoteGit(
    ["ls-remote", "--heads", remoteUrl, ...refs],
    { cwd, signal },
    context.git,
    `reading the branches of ${remoteUrl} failed`,
  );
  // Patterns match the ends of names: keep only the exact ones.
  const found = new Set<string>();
  for (const line of listing.split("\n")) {
    const ref = line.split("\t")[1];
    if (ref !== undefined && refs.includes(ref)) {
      found.add(ref.slice("refs/heads/".length));
    }
  }
  return found;
}
