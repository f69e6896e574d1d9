import fs from "node:fs/promises";
import { confinePath } from "../../../forges/confine-path.ts";
import { LIMITS, type ToolContext } from "./tool-context.ts";
import { ToolError } from "./tool-error.ts";

/** Creates or replaces a file inside the workspace. */
export async function writeFile(
  context: ToolContext,
  input: { path: string; content: string },
): Promise<string> {
  const bytes = Buffer.byteLength(input.content, "utf8");
  if (bytes > LIMITS.writtenBytes) {
    throw new ToolError(
      `the content has ${bytes} bytes; write_file takes at most ` +
        `${LIMITS.writtenBytes}`,
    );
  }
  const absolute = confinePath(context.workspace.dir, input.path);
  const stat = await fs.lstat(absolute).catch(() => undefined);
  if (stat?.isDirectory()) {
    throw new ToolError(`${input.path} is a directory`);
  }
  // GitWorkspace checks symbolic links on the way and refuses to follow
  // one at the end.
  await context.workspace.writeFile(input.path, input.content);
  return `wrote ${bytes} bytes to ${input.path}`;
}
