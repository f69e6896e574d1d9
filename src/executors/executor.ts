import type { GitWorkspace } from "../forges/git-workspace.ts";
import type { Ticket } from "../tickets/ticket.ts";

/** A new instruction for a run's work, from a comment on the ticket. */
export interface FollowUp {
  instruction: string;
  author: string | undefined;
}

export interface ExecutionInput {
  runId: number;
  ticket: Ticket;
  workspace: GitWorkspace;
  signal: AbortSignal;
  /** Instructions from follow-up comments, oldest first; empty for a run
   * that follows nothing up. Untrusted ticket text, like the ticket. */
  followUps: readonly FollowUp[];
  /** The change summary of the run this one continues, when there is one. */
  previousSummary: string | undefined;
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
