import fs from "node:fs/promises";
import {
  assertRealPathInside,
  confinePath,
} from "../../../forges/confine-path.ts";
import { LIMITS, type ToolContext } from "./tool-context.ts";
import { ToolError } from "./tool-error.ts";

export interface ReadFileInput {
  path: string;
  start_line?: number | undefined;
  end_line?: number | undefined;
}

/**
 * A text file, or the lines asked for, numbered. A file longer than the
 * read limit comes back cut, with its line count, so the model can ask
 * for the rest by range.
 */
export async function readFile(
  context: ToolContext,
  input: ReadFileInput,
): Promise<string> {
  const { dir } = context.workspace;
  const absolute = confinePath(dir, input.path);
  await assertRealPathInside(dir, absolute, input.path);

  const stat = await fs.stat(absolute).catch((error: unknown) => {
    throw new ToolError(`${input.path} does not exist`, { cause: error });
  });
  if (stat.isDirectory()) {
    throw new ToolError(`${input.path} is a directory; use list_files`);
  }
  if (stat.size > LIMITS.readableBytes) {
    throw new ToolError(
      `${input.path} has ${stat.size} bytes, more than the ` +
        `${LIMITS.readableBytes} read_file opens`,
    );
  }
  const content = await fs.readFile(absolute, "utf8");
  if (content.includes("\0")) {
    throw new ToolError(`${input.path} is a binary file`);
  }

  const lines = content.split("\n");
  // The newline that ends the last line starts no line of its own.
  if (lines.length > 1 && lines.at(-1) === "") lines.pop();
  const first = Math.max(1, input.start_line ?? 1);
  const last = Math.min(lines.length, input.end_line ?? lines.length);
  if (first > last) {
    throw new ToolError(
      `${input.path} has ${lines.length} lines; lines ${first}–${last} ` +
        "are not among them",
    );
  }
  return numbered(lines, first, last, input.path);
}

function numbered(
  lines: string[],
  first: number,
  last: number,
  path: string,
): string {
  let text = "";
  for (let number = first; number <= last; number += 1) {
    const line = `${number}\t${lines[number - 1] ?? ""}\n`;
    if (text.length + line.length > LIMITS.readChars) {
      return (
        `${text}[cut at line ${number - 1} of ${lines.length}: read ` +
        `${path} from start_line ${number} for more]\n`
      );
    }
    text += line;
  }
  return text;
}
