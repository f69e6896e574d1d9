import type { LanguageModelV3FunctionTool } from "@ai-sdk/provider";
import { z } from "zod";
import { WorkspacePathError } from "../../../forges/workspace-path-error.ts";
import { listFiles } from "./list-files.ts";
import { readFile } from "./read-file.ts";
import { runCommandTool } from "./run-command-tool.ts";
import { search } from "./search.ts";
import type { ToolContext } from "./tool-context.ts";
import { ToolError } from "./tool-error.ts";
import { writeFile } from "./write-file.ts";

// The tools of DESIGN.md §7. Names and argument shapes are fixed, so that
// every model is driven the same way.

const relativePath = z
  .string()
  .describe("a path relative to the repository root, such as src/app.ts");

const TOOLS = {
  list_files: {
    description:
      "List the repository's files (tracked and new), optionally only " +
      "those under a directory.",
    input: z.object({ path: relativePath.optional() }).strict(),
    run: listFiles,
  },
  read_file: {
    description:
      "Read a text file, with line numbers. Long files come back cut; " +
      "ask for start_line and end_line to read the rest.",
    input: z
      .object({
        path: relativePath,
        start_line: z.number().int().min(1).optional(),
        end_line: z.number().int().min(1).optional(),
      })
      .strict(),
    run: readFile,
  },
  write_file: {
    description: "Create or replace a file with the whole of its new content.",
    input: z.object({ path: relativePath, content: z.string() }).strict(),
    run: writeFile,
  },
  search: {
    description:
      "Search the repository's files for a fixed string (any case); " +
      "answers file:line:text for each match.",
    input: z.object({ query: z.string() }).strict(),
    run: search,
  },
  run_command: {
    description:
      "Run one of the allowed commands (such as the test command) in " +
      "the repository and see its exit code and output. No shell: pipes, " +
      "redirections and variables are not interpreted.",
    input: z.object({ command: z.string() }).strict(),
    run: runCommandTool,
  },
} as const;

export type ToolName = keyof typeof TOOLS;

/** The tools as the model is told about them. */
export function toolSpecs(): LanguageModelV3FunctionTool[] {
  return Object.entries(TOOLS).map(([name, tool]) => {
    const { $schema: _ignored, ...schema } = z.toJSONSchema(tool.input);
    return {
      type: "function",
      name,
      description: tool.description,
      inputSchema: schema as LanguageModelV3FunctionTool["inputSchema"],
    };
  });
}

export interface ToolOutcome {
  ok: boolean;
  output: string;
  /** The arguments, parsed, or undefined when they were not JSON. */
  input: unknown;
}

/**
 * Runs one tool call. Whatever goes wrong with the call itself (an
 * unknown tool, arguments that are not JSON or not the right shape, a
 * refused path or command, a failing command) is answered to the model
 * as an error result; only the run's own abort is thrown.
 */
export async function executeTool(
  context: ToolContext,
  name: string,
  rawInput: string,
): Promise<ToolOutcome> {
  let input: unknown;
  try {
    input = rawInput.trim() === "" ? {} : JSON.parse(rawInput);
  } catch (error) {
    return failed(
      undefined,
      `the arguments of ${name} are not valid JSON: ${(error as Error).message}`,
    );
  }
  if (!(name in TOOLS)) {
    return failed(
      input,
      `there is no tool named ${JSON.stringify(name)}; the tools are ` +
        Object.keys(TOOLS).join(", "),
    );
  }
  const tool = TOOLS[name as ToolName];
  const parsed = tool.input.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map(
        (issue) => `${issue.path.join(".") || "arguments"}: ${issue.message}`,
      )
      .join("; ");
    return failed(input, `the arguments of ${name} are wrong: ${problems}`);
  }

  try {
    const run = tool.run as (
      context: ToolContext,
      input: unknown,
    ) => Promise<string>;
    return { ok: true, output: await run(context, parsed.data), input };
  } catch (error) {
    context.signal.throwIfAborted();
    if (error instanceof ToolError || error instanceof WorkspacePathError) {
      return failed(input, error.message);
    }
    return failed(input, `${name} failed: ${(error as Error).message}`);
  }
}

function failed(input: unknown, message: string): ToolOutcome {
  return { ok: false, output: message, input };
}
