import { constants } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { GitError } from "../git/git-error.ts";
import { runGit } from "../git/run-git.ts";
import { assertRealPathInside, confinePath } from "./confine-path.ts";
import { WorkspacePathError } from "./workspace-path-error.ts";

export interface GrepOptions {
  /** Paths starting with one of these are left out of the answer. */
  excludePrefixes?: string[] | undefined;
  signal?: AbortSignal | undefined;
}

// O_NOFOLLOW: a symbolic link planted between our check and the write
// fails the write instead of redirecting it.
const WRITE_FLAGS =
  constants.O_WRONLY |
  constants.O_CREAT |
  constants.O_TRUNC |
  constants.O_NOFOLLOW;

/**
 * A working clone in which an executor reads and changes files. Every path
 * it is given is relative to `dir` and confined to it: executors pass on
 * paths chosen by a model, which reads untrusted ticket text.
 */
export class GitWorkspace {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The tracked files, as paths relative to the workspace. */
  async listFiles(signal?: AbortSignal): Promise<string[]> {
    const output = await runGit(["ls-files", "-z"], { cwd: this.dir, signal });
    return output.split("\0").filter((file) => file !== "");
  }

  async readFile(relativePath: string): Promise<string> {
    const absolute = confinePath(this.dir, relativePath);
    await assertRealPathInside(this.dir, absolute, relativePath);
    try {
      return await fs.readFile(absolute, "utf8");
    } catch (error) {
      throw new Error(`could not read workspace file ${relativePath}`, {
        cause: error,
      });
    }
  }

  async writeFile(relativePath: string, content: string): Promise<void> {
    const absolute = confinePath(this.dir, relativePath);
    const parent = path.dirname(absolute);

    // Checked before mkdir, so that a linked directory never gets
    // subdirectories created outside the workspace.
    await assertRealPathInside(this.dir, parent, relativePath);
    await fs.mkdir(parent, { recursive: true });
    await assertRealPathInside(this.dir, parent, relativePath);

    try {
      await fs.writeFile(absolute, content, { flag: WRITE_FLAGS });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ELOOP") {
        throw new WorkspacePathError(relativePath, "is a symbolic link");
      }
      throw new Error(`could not write workspace file ${relativePath}`, {
        cause: error,
      });
    }
  }

  /**
   * Tracked text files containing the terms (fixed strings, any case),
   * those matching the most terms first, then by path; at most `limit`.
   */
  async grep(
    terms: string[],
    limit: number,
    options: GrepOptions = {},
  ): Promise<string[]> {
    const excluded = options.excludePrefixes ?? [];
    const hits = new Map<string, number>();

    for (const term of terms) {
      for (const file of await this.filesContaining(term, options.signal)) {
        if (excluded.some((prefix) => file.startsWith(prefix))) continue;
        hits.set(file, (hits.get(file) ?? 0) + 1);
      }
    }

    return [...hits]
      .sort(([fileA, a], [fileB, b]) => b - a || compareText(fileA, fileB))
      .slice(0, limit)
      .map(([file]) => file);
  }

  /** Stages everything; answers the new HEAD, or null if nothing changed. */
  async commitAll(
    message: string,
    signal?: AbortSignal,
  ): Promise<string | null> {
    await runGit(["add", "--all"], { cwd: this.dir, signal });

    const staged = await runGit(["status", "--porcelain", "-z"], {
      cwd: this.dir,
      signal,
    });
    if (staged === "") return null;

    // The message goes through standard input: it may be long and may
    // start with "-".
    await runGit(["commit", "--quiet", "--no-verify", "--file=-"], {
      cwd: this.dir,
      signal,
      input: message,
    });
    return this.headSha(signal);
  }

  async headSha(signal?: AbortSignal): Promise<string> {
    const output = await runGit(["rev-parse", "--verify", "HEAD"], {
      cwd: this.dir,
      signal,
    });
    return output.trim();
  }

  private async filesContaining(
    term: string,
    signal: AbortSignal | undefined,
  ): Promise<string[]> {
    try {
      const output = await runGit(
        ["grep", "-I", "-i", "-l", "-z", "-F", "-e", term, "--"],
        { cwd: this.dir, signal },
      );
      return output.split("\0").filter((file) => file !== "");
    } catch (error) {
      // git grep answers 1 when nothing matches.
      if (error instanceof GitError && error.exitCode === 1) return [];
      throw error;
    }
  }
}

// Byte order, not the locale's: the same files rank the same everywhere.
function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
