import fs from "node:fs/promises";
import path from "node:path";

const SECOND_MS = 1000;
// `git worktree add` writes a worktree's `gitdir` and `commondir` within
// milliseconds of making its folder; one still without them after this
// long belongs to a git that was killed.
const HALF_MADE_AFTER_MS = 10 * SECOND_MS;

/**
 * Removes the bare repository's records of worktrees whose creation was
 * killed before git wrote their `gitdir` or `commondir` (a worker killed
 * with SIGKILL mid-checkout). git reads every worktree's record when it
 * adds or prunes one, and fails on such a record ("failed to read
 * worktrees/<id>/commondir"), which would fail every later run of the
 * project. Records younger than a few seconds may be a live checkout in
 * another process and are left alone.
 */
export async function removeBrokenWorktrees(bare: string): Promise<string[]> {
  const records = path.join(bare, "worktrees");
  let names: string[];
  try {
    names = await fs.readdir(records);
  } catch {
    return [];
  }

  const removed: string[] = [];
  for (const name of names) {
    const record = path.join(records, name);
    if (await isComplete(record)) continue;
    const stat = await fs.stat(record).catch(() => undefined);
    // The file system's clock, not the service's (which tests may set).
    if (!stat || Date.now() - stat.mtimeMs < HALF_MADE_AFTER_MS) continue;
    await fs.rm(record, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

async function isComplete(record: string): Promise<boolean> {
  for (const file of ["gitdir", "commondir"]) {
    const content = await fs
      .readFile(path.join(record, file), "utf8")
      .catch(() => "");
    if (content.trim() === "") return false;
  }
  return true;
}
