import fs from "node:fs/promises";
import path from "node:path";
import { WorkspacePathError } from "./workspace-path-error.ts";

/**
 * The absolute path of `relativePath` inside `root`, checked by its text
 * alone: relative, no "..", nothing inside a .git directory. Symbolic
 * links are checked by assertRealPathInside once the path is touched.
 */
export function confinePath(root: string, relativePath: string): string {
  if (relativePath === "" || relativePath.includes("\0")) {
    throw new WorkspacePathError(relativePath, "is empty or holds a NUL");
  }
  if (path.isAbsolute(relativePath)) {
    throw new WorkspacePathError(relativePath, "must be relative");
  }

  // Backslashes count as separators too: harmless on POSIX, and a "..\\"
  // that would escape on another platform is refused everywhere.
  const segments = relativePath.split(/[\\/]/);
  if (segments.includes("..")) {
    throw new WorkspacePathError(relativePath, "leaves the workspace");
  }
  if (segments.some(isGitDirectory)) {
    throw new WorkspacePathError(relativePath, "is inside a .git directory");
  }

  const absolute = path.join(root, relativePath);
  if (path.relative(root, absolute) === "") {
    throw new WorkspacePathError(relativePath, "names the workspace itself");
  }
  return absolute;
}

/**
 * Resolves symbolic links in `absolute` (or in its nearest existing
 * ancestor, for a path about to be created) and refuses the result when it
 * lies outside `root` or inside its .git directory.
 */
export async function assertRealPathInside(
  root: string,
  absolute: string,
  relativePath: string,
): Promise<void> {
  const realRoot = await fs.realpath(root);
  const real = await realpathOfNearestExisting(absolute);
  const inside = path.relative(realRoot, real);

  if (inside === ".." || inside.startsWith(`..${path.sep}`)) {
    throw new WorkspacePathError(relativePath, "leads outside the workspace");
  }
  if (path.isAbsolute(inside)) {
    throw new WorkspacePathError(relativePath, "leads outside the workspace");
  }
  if (inside.split(path.sep).some(isGitDirectory)) {
    throw new WorkspacePathError(relativePath, "leads into .git");
  }
}

async function realpathOfNearestExisting(absolute: string): Promise<string> {
  let candidate = absolute;
  for (;;) {
    try {
      return await fs.realpath(candidate);
    } catch (error) {
      const parent = path.dirname(candidate);
      if (!isMissing(error) || parent === candidate) throw error;
      candidate = parent;
    }
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

// Case-insensitive file systems (macOS, Windows) treat .GIT as .git.
function isGitDirectory(segment: string): boolean {
  return segment.toLowerCase() === ".git";
}
