import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import {
  type RepositoryWorkflowDefinition,
  repositoryWorkflowsFile,
  TRIGGER_ONLY_KEYS,
} from "./definition-schema.ts";

export const WORKFLOWS_FILE = ".flowgate/workflows.yml";
const MAX_FILE_BYTES = 64 * 1024;

/** A workflows file that cannot be used; the message names the line. */
export class WorkflowsFileError extends Error {
  constructor(line: number | undefined, problem: string) {
    super(
      `${WORKFLOWS_FILE}${line === undefined ? "" : ` line ${line}`}: ` +
        `${problem}; fix the file on the default branch, then retry the run`,
    );
    this.name = "WorkflowsFileError";
  }
}

export interface WorkflowsFile {
  workflows: Record<string, RepositoryWorkflowDefinition>;
  /** The line of a key in the file, for errors found later. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

/**
 * Parses and validates a repository's .flowgate/workflows.yml. Every
 * problem is an error naming its line: a definition that is silently
 * ignored would run a workflow nobody asked for.
 */
export function parseWorkflowsFile(text: string): WorkflowsFile {
  if (Buffer.byteLength(text, "utf8") > MAX_FILE_BYTES) {
    throw new WorkflowsFileError(
      undefined,
      `the file is larger than ${MAX_FILE_BYTES} bytes`,
    );
  }
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines });
  const syntax = document.errors[0];
  if (syntax) {
    // The parser's first line repeats the position; the line says it.
    const problem = (syntax.message.split("\n")[0] ?? "invalid YAML")
      .replace(/ at line \d+, column \d+:?$/, "")
      .trim();
    throw new WorkflowsFileError(syntax.linePos?.[0].line, problem);
  }

  const lineOf = (path: readonly PropertyKey[]) => {
    for (let length = path.length; length >= 0; length -= 1) {
      const node = document.getIn(path.slice(0, length), true) as
        | { range?: [number, number, number] }
        | undefined;
      if (node?.range) return lines.linePos(node.range[0]).line;
    }
    return undefined;
  };

  const parsed = repositoryWorkflowsFile.safeParse(document.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
    const path = [...issue.path, ...keys.slice(0, 1)];
    const where = path.length > 0 ? `${path.map(String).join(".")}: ` : "";
    const what =
      issue.code === "unrecognized_keys"
        ? unknownKey(keys[0] ?? "", issue.path.length)
        : issue.message;
    throw new WorkflowsFileError(lineOf(path), `${where}${what}`);
  }
  return { workflows: parsed.data.workflows, lineOf };
}

/** Why a key is refused: misspelt, or one only the trigger may set. */
function unknownKey(key: string, depth: number): string {
  // workflows.<type>.<key>: the level of a definition's own fields.
  const refused = depth === 2 ? TRIGGER_ONLY_KEYS[key] : undefined;
  return refused
    ? `${refused} is chosen by the trigger's administrator, not by the ` +
        "repository; remove this key"
    : `unknown key ${JSON.stringify(key)}`;
}
