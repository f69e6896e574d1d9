import type { GitWorkspace } from "../forges/git-workspace.ts";
import type { Project } from "../projects/project.ts";
import type { Ticket } from "../tickets/ticket.ts";
import type { WorkflowSettings } from "../workflows/workflow-settings.ts";

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
  /** The workflow type's merged settings (model, commands, budgets);
   * absent, an executor uses the instance's defaults. */
  workflow?: WorkflowSettings | undefined;
}

export interface ExecutionResult {
  /** Markdown for the merge request description: what changed and why. */
  summary: string;
  /** False when the executor did only part of the work (a plan, say). */
  complete: boolean;
  /** Why the executor stopped short (a budget ran out, say): the work so
   * far is committed and the merge request opened, then the run fails
   * with this reason. */
  stopped?: string | undefined;
  /** Facts for the timeline's `executed` step (steps, tokens). */
  details?: Record<string, unknown> | undefined;
}

/** Changes the code in a workspace for one ticket; commits are not its job. */
export interface Executor {
  readonly name: string;
  readonly remote?: false;
  execute(input: ExecutionInput): Promise<ExecutionResult>;
}

export interface RemoteExecutionInput {
  runId: number;
  ticket: Ticket;
  project: Project;
  /** The branch the work should land on, from the branch template. */
  branch: string;
  signal: AbortSignal;
  /** As for a local executor: untrusted ticket text, oldest first. */
  followUps: readonly FollowUp[];
  previousSummary: string | undefined;
  workflow?: WorkflowSettings | undefined;
}

/** The merge request a remote executor's work opened on the forge. */
export interface RemoteMergeRequest {
  iid: number;
  web_url: string;
  source_branch: string;
}

export interface RemoteExecutionResult
  extends Omit<ExecutionResult, "stopped"> {
  mergeRequest: RemoteMergeRequest;
}

/**
 * Works on the forge itself (a GitLab Duo flow, a CI pipeline), which
 * makes the branch, the commits and the merge request: the workflow
 * checks nothing out and pushes nothing, and records the merge request
 * the executor found. Each call must be safe to repeat for one run: a
 * retried run follows the work it started instead of starting more.
 */
export interface RemoteExecutor {
  readonly name: string;
  readonly remote: true;
  execute(input: RemoteExecutionInput): Promise<RemoteExecutionResult>;
}

export type AnyExecutor = Executor | RemoteExecutor;
