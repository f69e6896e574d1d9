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

    for (const [file, found] of await this.termsByFile(terms, options.signal)) {
      if (excluded.some((prefix) => file.startsWith(prefix))) continue;
      hits.set(file, found.size);
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

    try {
      // The message goes through standard input: it may be long and may
      // start with "-".
      await runGit(["commit", "--quiet", "--no-verify", "--file=-"], {
        cwd: this.dir,
        signal,
        input: message,
      });
    } catch (error) {
      // git commit answers 1 when nothing is staged; ask to be sure.
      if (error instanceof GitError && error.exitCode === 1) {
        if (await this.#nothingStaged(signal)) return null;
      }
      throw error;
    }
    return this.headSha(signal);
  }

  async #nothingStaged(signal?: AbortSignal): Promise<boolean> {
    try {
      await runGit(["diff", "--cached", "--quiet"], { cwd: this.dir, signal });
      return true;
    } catch (error) {
      if (error instanceof GitError && error.exitCode === 1) return false;
      throw error;
    }
  }

  async headSha(signal?: AbortSignal): Promise<string> {
    const output = await runGit(["rev-parse", "--verify", "HEAD"], {
      cwd: this.dir,
      signal,
    });
    return output.trim();
  }

  /**
   * Which of the terms each file contains, from one `git grep` over all of
   * them: one process instead of one per term, which dominated a run's
   * start. `-o` prints each match, so the distinct terms per file can be
   * counted.
   */
  private async termsByFile(
    terms: string[],
    signal: AbortSignal | undefined,
  ): Promise<Map<string, Set<string>>> {
    const found = new Map<string, Set<string>>();
    if (terms.length === 0) return found;
    const patterns = terms.flatMap((term) => ["-e", term]);
    let output: string;
    try {
      output = await runGit(
        ["grep", "-I", "-i", "-o", "-z", "-F", ...patterns, "--"],
        { cwd: this.dir, signal },
      );
    } catch (error) {
      // git grep answers 1 when nothing matches.
      if (error instanceof GitError && error.exitCode === 1) return found;
      throw error;
    }
    // With -z each line is "file\0match".
    for (const line of output.split("\n")) {
      const separator = line.indexOf("\0");
      if (separator < 0) continue;
      const file = line.slice(0, separator);
      const term = line.slice(separator + 1).toLowerCase();
      const terms = found.get(file) ?? new Set<string>();
      terms.add(term);
      found.set(file, terms);
    }
    return found;
  }
}

// Byte order, not the locale's: the same files rank the same everywhere.
function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
