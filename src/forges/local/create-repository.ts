import fs from "node:fs/promises";
import path from "node:path";
import { GitError } from "../../git/git-error.ts";
import { runGit } from "../../git/run-git.ts";
import type { ForgeProject } from "../forge.ts";
import { ForgeInputError } from "../forge-input-error.ts";
import { repositoryDir } from "./repository-dir.ts";
import { assertRefName } from "./validate-input.ts";

export interface CreateRepositoryOptions {
  repositoriesDir: string;
  project: Pick<ForgeProject, "path" | "defaultBranch">;
  /** A local repository whose branches and tags to copy instead. */
  importPath?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface CreatedRepository {
  dir: string;
  /** False when the repository already existed (a repeated request). */
  created: boolean;
}

const MINUTE = 60 * 1000;
const IMPORT_TIMEOUT_MS = 10 * MINUTE;

/**
 * Creates the project's bare repository: an initial commit holding a
 * README.md on the default branch, or a copy of `importPath`. It is built
 * under a temporary name and renamed into place, so a crash never leaves a
 * half-made repository that a retry would take for a finished one.
 */
export async function createRepository(
  options: CreateRepositoryOptions,
): Promise<CreatedRepository> {
  const { project, repositoriesDir, signal } = options;
  assertRefName(project.defaultBranch, "default branch");
  const dir = repositoryDir(repositoriesDir, project.path);
  if (await exists(path.join(dir, "HEAD"))) return { dir, created: false };

  await fs.mkdir(path.dirname(dir), { recursive: true });
  // A leading "." keeps the staging name apart from every project path.
  const staging = await fs.mkdtemp(
    path.join(path.dirname(dir), `.${path.basename(dir)}-`),
  );

  try {
    if (options.importPath === undefined) {
      await initialize(staging, project, signal);
    } else {
      await importInto(staging, options.importPath, project, signal);
    }
    return await moveIntoPlace(staging, dir);
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

async function initialize(
  staging: string,
  project: CreateRepositoryOptions["project"],
  signal: AbortSignal | undefined,
): Promise<void> {
  const branch = project.defaultBranch;
  await runGit(["init", "--bare", "--quiet", `--initial-branch=${branch}`], {
    cwd: staging,
    signal,
  });

  // Plumbing builds the first commit without a working tree to clean up.
  const readme = `# ${project.path}\n\nCreated by Flowgate.\n`;
  const blob = await git(
    staging,
    signal,
    ["hash-object", "-w", "--stdin"],
    readme,
  );
  const tree = await git(
    staging,
    signal,
    ["mktree"],
    `100644 blob ${blob}\tREADME.md\n`,
  );
  const commit = await git(staging, signal, [
    "commit-tree",
    tree,
    "-m",
    "Initial commit",
  ]);
  await git(staging, signal, ["update-ref", `refs/heads/${branch}`, commit]);
}

async function importInto(
  staging: string,
  importPath: string,
  project: CreateRepositoryOptions["project"],
  signal: AbortSignal | undefined,
): Promise<void> {
  const source = path.resolve(importPath);

  // Only local repositories: a URL here would let an API caller make the
  // server fetch from anywhere, and ext:: would run a command.
  try {
    await runGit(
      [
        "-c",
        "protocol.allow=never",
        "-c",
        "protocol.file.allow=always",
        "clone",
        "--bare",
        "--no-hardlinks",
        "--quiet",
        "--",
        source,
        staging,
      ],
      { cwd: path.dirname(staging), signal, timeoutMs: IMPORT_TIMEOUT_MS },
    );
  } catch (error) {
    // git ran and refused: the caller named something it cannot clone.
    if (error instanceof GitError && error.exitCode !== undefined) {
      throw new ForgeInputError(
        `import_path ${source} is not a git repository that can be ` +
          "cloned; point it at a local repository",
        { cause: error },
      );
    }
    throw error;
  }

  const branches = (
    await git(staging, signal, [
      "for-each-ref",
      "--format=%(refname:short)",
      "refs/heads/",
    ])
  )
    .split("\n")
    .filter((branch) => branch !== "");
  if (!branches.includes(project.defaultBranch)) {
    throw new ForgeInputError(
      `import_path ${source} has no branch "${project.defaultBranch}"; ` +
        `set default_branch to one of: ${branches.join(", ") || "(none)"}`,
    );
  }

  const head = `refs/heads/${project.defaultBranch}`;
  await git(staging, signal, ["symbolic-ref", "HEAD", head]);
  // The copy must not remember where it came from: pushes stay local.
  await git(staging, signal, ["remote", "remove", "origin"]);
}

async function moveIntoPlace(
  staging: string,
  dir: string,
): Promise<CreatedRepository> {
  try {
    await fs.rename(staging, dir);
    return { dir, created: true };
  } catch (error) {
    // Another request created the same repository meanwhile.
    if (await exists(path.join(dir, "HEAD"))) return { dir, created: false };
    throw new Error(`could not move the new repository to ${dir}`, {
      cause: error,
    });
  }
}

async function git(
  cwd: string,
  signal: AbortSignal | undefined,
  args: string[],
  input?: string,
): Promise<string> {
  const output = await runGit(args, { cwd, signal, input });
  return output.trim();
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
