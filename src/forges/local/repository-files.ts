import { resolveCommit } from "../../git/resolve-commit.ts";
import { runGit, runGitRaw } from "../../git/run-git.ts";
import type { ForgeProject } from "../forge.ts";
import type { LocalForgeContext } from "./local-forge-context.ts";
import { existingRepositoryDir } from "./repository-dir.ts";
import { assertRefName, assertRepositoryPath } from "./validate-input.ts";

/**
 * The raw bytes of `filePath` at `ref` (a branch, tag or sha), or
 * undefined when the ref or the file does not exist or is a directory.
 */
export async function readRepositoryFile(
  context: LocalForgeContext,
  project: ForgeProject,
  ref: string,
  filePath: string,
  signal?: AbortSignal,
): Promise<Buffer | undefined> {
  assertRefName(ref, "ref");
  assertRepositoryPath(filePath);
  const bare = await existingRepositoryDir(
    context.repositoriesDir,
    project.path,
  );

  const commit = await resolveCommit(bare, ref, signal);
  if (!commit) return undefined;

  // ls-tree names the object without interpreting the path as a pattern
  // (--literal-pathspecs) and says whether it is a file at all.
  const listing = await runGit(
    [
      "--literal-pathspecs",
      "ls-tree",
      "-z",
      "--full-tree",
      commit,
      "--",
      filePath,
    ],
    { cwd: bare, signal },
  );
  const entry = listing
    .split("\0")
    .find((line) => line.endsWith(`\t${filePath}`));
  const [mode, type, object] = entry?.split(/[ \t]/) ?? [];
  if (type !== "blob" || object === undefined || mode === undefined) {
    return undefined;
  }

  return runGitRaw(["cat-file", "blob", object], { cwd: bare, signal });
}
