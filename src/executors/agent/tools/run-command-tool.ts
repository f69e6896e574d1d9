import { isAllowedCommand } from "../../../commands/allowed-commands.ts";
import {
  CommandSyntaxError,
  splitCommand,
} from "../../../commands/split-command.ts";
import { LIMITS, type ToolContext } from "./tool-context.ts";
import { ToolError } from "./tool-error.ts";

/**
 * Runs one of the commands the trigger allows, in the workspace, without
 * a shell, with a time limit, an output limit, an environment free of
 * Flowgate's secrets and, where the machine allows, without sight of the
 * data directory (CommandRunner).
 */
export async function runCommandTool(
  context: ToolContext,
  input: { command: string },
): Promise<string> {
  let argv: string[];
  try {
    argv = splitCommand(input.command);
  } catch (error) {
    if (error instanceof CommandSyntaxError) throw new ToolError(error.message);
    throw error;
  }
  if (!isAllowedCommand(argv, context.allowedCommands)) {
    throw new ToolError(
      `the command ${JSON.stringify(input.command)} is not allowed; ` +
        (context.allowedCommands.length === 0
          ? "this workflow allows no commands"
          : `allowed: ${context.allowedCommands.join(", ")}`),
    );
  }

  const outcome = await context.commands
    .run(argv, {
      timeoutMs: context.commandTimeoutMs,
      maxOutputBytes: LIMITS.commandOutputBytes,
      signal: context.signal,
    })
    .catch((error: unknown) => {
      throw new ToolError(
        `${argv[0]} could not be started: ${(error as Error).cause ?? error}`,
        { cause: error },
      );
    });
  context.signal.throwIfAborted();

  if (outcome.timedOut) {
    throw new ToolError(
      `$ ${input.command}\n[stopped: it ran longer than the time limit ` +
        `of ${context.commandTimeoutMs / 1000} s]\n${outcome.output}`,
    );
  }
  const status =
    outcome.exitCode === undefined
      ? `ended by signal ${outcome.signal}`
      : `exit code ${outcome.exitCode}`;
  return `$ ${input.command}\n[${status}, ${outcome.durationMs} ms]\n${outcome.output}`;
}
