import type {
  RemoteExecutionResult,
  RemoteExecutor,
} from "../executors/executor.ts";
import type { Ticket } from "../tickets/ticket.ts";
import { attachMergeRequest } from "./attach-merge-request.ts";
import type {
  StepRecorder,
  WorkflowDependencies,
  WorkflowInput,
} from "./developer-workflow.ts";
import {
  checkCanceled,
  executionDetails,
  recordExecution,
} from "./execution-step.ts";
import { followUpsOf, previousSummary } from "./follow-ups.ts";

export interface RemoteWork {
  executor: RemoteExecutor;
  ticket: Ticket;
  branch: string;
  step: StepRecorder;
}

/**
 * DESIGN.md §6 for an executor that works on the forge (a GitLab Duo
 * flow, a CI pipeline): the forge makes the branch, the commits and the
 * merge request, so nothing is checked out, committed or pushed here.
 * The executor starts its work, or follows what an earlier attempt
 * started, and answers the merge request that work opened; the run
 * records it as the local path does. One round: follow-ups that arrive
 * while the forge works are handed on to a new run on the merge request
 * when this one succeeds (finishRun).
 */
export async function runRemoteWorkflow(
  deps: WorkflowDependencies,
  input: WorkflowInput,
  work: RemoteWork,
): Promise<void> {
  const { db } = deps;
  const { run, project, signal, workflow } = input;
  const { executor, step } = work;
  const given = await followUpsOf(db, run.id);
  const summary = await previousSummary(db, run);

  checkCanceled(signal);
  const result: RemoteExecutionResult = await step(
    "executed",
    () =>
      executor.execute({
        runId: run.id,
        ticket: work.ticket,
        project,
        branch: work.branch,
        signal,
        followUps: given.map(({ instruction, author }) => ({
          instruction,
          author,
        })),
        previousSummary: summary,
        workflow,
      }),
    (done) => executionDetails(executor, done, given, workflow),
    (trx, done) =>
      recordExecution(trx, run.id, given, done.summary, deps.now()),
  );

  checkCanceled(signal);
  await step(
    "merge_request_opened",
    async () => result.mergeRequest,
    (opened) => ({
      iid: opened.iid,
      web_url: opened.web_url,
      source_branch: opened.source_branch,
      opened_by: executor.name,
    }),
    (trx, opened) =>
      attachMergeRequest(trx, run.id, opened, {
        at: deps.now(),
        publicUrl: deps.publicUrl,
      }),
  );
  deps.onReports?.();
}
