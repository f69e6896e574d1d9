import type { CommandRunner } from "../../../commands/command-runner.ts";
import type { GitWorkspace } from "../../../forges/git-workspace.ts";

/** What every tool works with during one run. */
export interface ToolContext {
  workspace: GitWorkspace;
  allowedCommands: readonly string[];
  /** The run's signal, also aborted when its wall-time budget ends. */
  signal: AbortSignal;
  commandTimeoutMs: number;
  /** Runs the allowed commands, with the run's home and isolation. */
  commands: CommandRunner;
}

export const LIMITS = {
  /** Files listed by one list_files call. */
  listedFiles: 500,
  /** Text one read_file call answers. */
  readChars: 48 * 1024,
  /** Files read_file opens at all. */
  readableBytes: 8 * 1024 * 1024,
  writtenBytes: 1024 * 1024,
  searchMatches: 200,
  searchLineChars: 300,
  commandOutputBytes: 32 * 1024,
} as const;
