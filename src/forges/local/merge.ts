import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { GitError } from "../../git/git-error.ts";
import { resolveCommit } from "../../git/resolve-commit.ts";
import { runGit } from "../../git/run-git.ts";
import type { Db } from "../../store/database.ts";
import type { ForgeProject, MergeRequest } from "../forge.ts";
import { ForgeConflictError } from "../forge-conflict-error.ts";
import { ForgeNotFoundError } from "../forge-not-found-error.ts";
import type { LocalForgeContext } from "./local-forge-context.ts";
import { type MergeRequestRow, toMergeRequest } from "./merge-requests.ts";
import { existingRepositoryDir } from "./repository-dir.ts";
import { assertRefName } from "./validate-input.ts";

/**
 * Merges an open merge request the way GitLab's "merge commit" method
 * does: a --no-ff merge of the source branch into the target, pushed to
 * the forge, then recorded. A crash after the push leaves the request
 * open; merging it again finds nothing to merge, pushes nothing and
 * records the target's head as the merge commit.
 */
export async function mergeMergeRequest(
  context: LocalForgeContext,
  project: ForgeProject,
  iid: number,
  signal?: AbortSignal,
  onMerged?: MergedHook,
): Promise<MergeRequest> {
  const row = await context.db
    .selectFrom("merge_requests")
    .selectAll()
    .where("project_id", "=", project.id)
    .where("iid", "=", iid)
    .executeTakeFirst();
  const name = `${project.path}!${iid}`;
  if (!row) {
    throw new ForgeNotFoundError(`merge request ${name} does not exist`);
  }
  if (row.state !== "opened") {
    throw new ForgeConflictError(
      `merge request ${name} is ${row.state}; only an open one can be merged`,
      "not_open",
    );
  }
  assertRefName(row.source_branch, "source branch");
  assertRefName(row.target_branch, "target branch");

  const bare = await existingRepositoryDir(
    context.repositoriesDir,
    project.path,
  );
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), "flowgate-merge-"));
  try {
    const sha = await mergeInClone(bare, scratch, name, row, signal);
    return await recordMerge(context, project, row, sha, onMerged);
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

async function mergeInClone(
  bare: string,
  scratch: string,
  name: string,
  row: MergeRequestRow,
  signal: AbortSignal | undefined,
): Promise<string> {
  const target = row.target_branch;
  const source = `refs/remotes/origin/${row.source_branch}`;
  for (const branch of [row.target_branch, row.source_branch]) {
    if (!(await resolveCommit(bare, `refs/heads/${branch}`, signal))) {
      throw new ForgeConflictError(
        `merge request ${name} cannot be merged: branch ${branch} is gone`,
        "branch_missing",
      );
    }
  }

  const dir = path.join(scratch, "repository");
  await runGit(
    ["clone", "--quiet", "--no-hardlinks", "--branch", target, "--", bare, dir],
    { cwd: scratch, signal },
  );

  const message =
    `Merge branch '${row.source_branch}' into '${target}'\n\n` +
    `${row.title}\n\nSee merge request ${name}`;
  try {
    await runGit(["merge", "--no-ff", "--no-edit", "-m", message, source], {
      cwd: dir,
      signal,
    });
  } catch (error) {
    if (!(await hasUnmergedFiles(dir, signal))) throw error;
    throw new ForgeConflictError(
      `merge request ${name} conflicts with ${target}; merge ${target} ` +
        `into ${row.source_branch}, resolve the conflicts and push`,
      "merge_conflict",
      { cause: error },
    );
  }

  const sha = (
    await runGit(["rev-parse", "HEAD"], { cwd: dir, signal })
  ).trim();
  try {
    await runGit(["push", "origin", `HEAD:refs/heads/${target}`], {
      cwd: dir,
      signal,
    });
  } catch (error) {
    if (error instanceof GitError && error.stderr.includes("[rejected]")) {
      throw new ForgeConflictError(
        `${target} changed while merge request ${name} was being merged; ` +
          "merge it again",
        "target_moved",
        { cause: error },
      );
    }
    throw error;
  }
  return sha;
}

async function hasUnmergedFiles(
  dir: string,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const unmerged = await runGit(["ls-files", "--unmerged"], {
    cwd: dir,
    signal,
  });
  return unmerged.trim() !== "";
}

/** Writes what a merge causes (reporting back) in the transaction that
 * records the merge. */
export type MergedHook = (trx: Db, merged: MergeRequestRow) => Promise<void>;

async function recordMerge(
  context: LocalForgeContext,
  project: ForgeProject,
  row: MergeRequestRow,
  sha: string,
  onMerged: MergedHook | undefined,
): Promise<MergeRequest> {
  const now = context.now().toISOString();
  const merged = await context.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable("merge_requests")
      .set({
        state: "merged",
        draft: 0,
        merge_commit_sha: sha,
        merged_at: now,
        updated_at: now,
      })
      .where("id", "=", row.id)
      .where("state", "=", "opened")
      .returningAll()
      .executeTakeFirst();
    if (updated) await onMerged?.(trx, updated);
    return updated;
  });

  if (!merged) {
    throw new ForgeConflictError(
      `merge request ${project.path}!${row.iid} was closed or merged ` +
        "by another request meanwhile",
      "not_open",
    );
  }
  return toMergeRequest(context, project, merged);
}
