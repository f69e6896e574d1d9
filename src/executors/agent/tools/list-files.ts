import { confinePath } from "../../../forges/confine-path.ts";
import { runGit } from "../../../git/run-git.ts";
import { LIMITS, type ToolContext } from "./tool-context.ts";

/**
 * The files under `path` (the whole workspace by default): tracked ones
 * and new ones not ignored by .gitignore, so the model sees what it wrote.
 */
export async function listFiles(
  context: ToolContext,
  input: { path?: string | undefined },
): Promise<string> {
  const prefix = normalizedDirectory(context, input.path);
  const output = await runGit(
    ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    { cwd: context.workspace.dir, signal: context.signal },
  );
  const files = [...new Set(output.split("\0"))]
    .filter((file) => file !== "" && file.startsWith(prefix))
    .sort();

  if (files.length === 0) return `No files under ${prefix || "."}.`;
  const shown = files.slice(0, LIMITS.listedFiles);
  const more = files.length - shown.length;
  return more > 0
    ? `${shown.join("\n")}\n… and ${more} more; list a subdirectory.`
    : shown.join("\n");
}

/** "" for the root, else "dir/" once the path is known to be inside. */
function normalizedDirectory(
  context: ToolContext,
  path: string | undefined,
): string {
  const trimmed = (path ?? "").trim().replace(/\/+$/, "");
  if (trimmed === "" || trimmed === ".") return "";
  confinePath(context.workspace.dir, trimmed);
  return `${trimmed.replace(/^\.\//, "")}/`;
}
