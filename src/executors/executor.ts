import type { GitWorkspace } from "../forges/git-workspace.ts";
import type { Ticket } from "../tickets/ticket.ts";

export interface ExecutionInput {
  runId: number;
  ticket: Ticket;
  workspace: GitWorkspace;
  signal: AbortSignal;
}

export interface ExecutionResult {
  /** Markdown for the merge request description: what changed and why. */
  summary: string;
  /** False when the executor did only part of the work (a plan, say). */
  complete: boolean;
}

/** Changes the code in a workspace for one ticket; commits are not its job. */
export interface Executor {
  readonly name: string;
  execute(input: ExecutionInput): Promise<ExecutionResult>;
}
