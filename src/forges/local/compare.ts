import { resolveCommit } from "../../git/resolve-commit.ts";
import { runGit } from "../../git/run-git.ts";
import type { ForgeProject } from "../forge.ts";
import { ForgeNotFoundError } from "../forge-not-found-error.ts";
import { type CompareCommit, listCommits } from "./list-commits.ts";
import { type CompareDiff, listDiffs } from "./list-diffs.ts";
import type { LocalForgeContext } from "./local-forge-context.ts";
import { existingRepositoryDir } from "./repository-dir.ts";
import { assertRefName } from "./validate-input.ts";

/** GitLab's answer to GET /projects/:id/repository/compare. */
export interface Comparison {
  commit: CompareCommit | null;
  commits: CompareCommit[];
  diffs: CompareDiff[];
  compare_timeout: false;
  compare_same_ref: boolean;
}

/**
 * What `to` adds to `from`, as GitLab compares by default (straight=false):
 * the commits reachable from `to` but not from `from`, and the diff from
 * their merge base to `to`.
 */
export async function compareRefs(
  context: LocalForgeContext,
  project: ForgeProject,
  from: string,
  to: string,
  signal?: AbortSignal,
): Promise<Comparison> {
  assertRefName(from, "from");
  assertRefName(to, "to");
  const bare = await existingRepositoryDir(
    context.repositoriesDir,
    project.path,
  );

  const fromSha = await commitOf(bare, from, signal);
  const toSha = await commitOf(bare, to, signal);
  const base = await mergeBase(bare, fromSha, toSha, signal);
  const commits = await listCommits(bare, fromSha, toSha, signal);
  const diffs = await listDiffs(bare, base, toSha, signal);

  return {
    commit: commits.at(-1) ?? null,
    commits,
    diffs,
    compare_timeout: false,
    compare_same_ref: from === to,
  };
}

async function mergeBase(
  bare: string,
  fromSha: string,
  toSha: string,
  signal: AbortSignal | undefined,
): Promise<string> {
  try {
    const output = await runGit(["merge-base", fromSha, toSha], {
      cwd: bare,
      signal,
    });
    return output.trim();
  } catch (error) {
    throw new ForgeNotFoundError(
      `${fromSha} and ${toSha} share no history; there is nothing to compare`,
      { cause: error },
    );
  }
}

// Only shas reach the commands after this, whatever the refs looked like.
async function commitOf(
  bare: string,
  ref: string,
  signal: AbortSignal | undefined,
): Promise<string> {
  const sha = await resolveCommit(bare, ref, signal);
  if (!sha) throw new ForgeNotFoundError(`ref ${ref} does not exist`);
  return sha;
}
