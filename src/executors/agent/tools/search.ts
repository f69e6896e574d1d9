import { GitError } from "../../../git/git-error.ts";
import { runGit } from "../../../git/run-git.ts";
import { LIMITS, type ToolContext } from "./tool-context.ts";
import { ToolError } from "./tool-error.ts";

const MAX_QUERY_CHARS = 200;

/**
 * `git grep` for a fixed string, any case, in tracked and new files:
 * `file:line:text` per match. The query is one argument after `-e`, so
 * it can never become an option.
 */
export async function search(
  context: ToolContext,
  input: { query: string },
): Promise<string> {
  const query = input.query;
  if (query.trim() === "" || query.length > MAX_QUERY_CHARS) {
    throw new ToolError(
      `the query must have 1 to ${MAX_QUERY_CHARS} characters`,
    );
  }
  let output: string;
  try {
    output = await runGit(
      ["grep", "-n", "-I", "-i", "-F", "--untracked", "-e", query, "--"],
      { cwd: context.workspace.dir, signal: context.signal },
    );
  } catch (error) {
    // git grep answers 1 when nothing matches.
    if (error instanceof GitError && error.exitCode === 1) {
      return `No file contains ${JSON.stringify(query)}.`;
    }
    throw error;
  }
  const matches = output.split("\n").filter((line) => line !== "");
  const shown = matches
    .slice(0, LIMITS.searchMatches)
    .map((line) =>
      line.length > LIMITS.searchLineChars
        ? `${line.slice(0, LIMITS.searchLineChars)}…`
        : line,
    );
  const more = matches.length - shown.length;
  return more > 0
    ? `${shown.join("\n")}\n… and ${more} more matches; search more precisely.`
    : shown.join("\n");
}
