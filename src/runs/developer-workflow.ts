import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { recordAuditEvent, SYSTEM_ACTOR } from "../audit/audit-event.ts";
import type { Clock } from "../clock.ts";
import type {
  AnyExecutor,
  ExecutionResult,
  Executor,
} from "../executors/executor.ts";
import type { Forge, ForgeProject } from "../forges/forge.ts";
import { ForgeRefusedError } from "../forges/forge-refused-error.ts";
import type { GitWorkspace } from "../forges/git-workspace.ts";
import type { Project } from "../projects/project.ts";
import { FatalJobError } from "../queue/worker.ts";
import type { Db } from "../store/database.ts";
import type { Ticket } from "../tickets/ticket.ts";
import type { WorkflowSettings } from "../workflows/workflow-settings.ts";
import { attachMergeRequest } from "./attach-merge-request.ts";
import { branchName } from "./branch-name.ts";
import {
  continueMergeRequest,
  openedByEarlierRun,
} from "./continue-merge-request.ts";
import {
  checkCanceled,
  executionDetails,
  recordExecution,
} from "./execution-step.ts";
import { followUpsOf, previousSummary } from "./follow-ups.ts";
import { templatedDescription } from "./merge-request-template.ts";
import {
  commitMessage,
  mergeRequestDescription,
  mergeRequestTitle,
} from "./merge-request-text.ts";
import { runRemoteWorkflow } from "./remote-workflow.ts";
import { runNote } from "./run-note.ts";
import { type RunRow, runUrl, ticketOf } from "./run-record.ts";
import { recordTimelineEvent, type TimelineKind } from "./timeline.ts";

export interface WorkflowDependencies {
  db: Db;
  forge: Forge;
  executors: ReadonlyMap<string, AnyExecutor>;
  workspacesDir: string;
  publicUrl: string;
  logger: Logger;
  now: Clock;
  /** Called after a transaction wrote reporting-back messages. */
  onReports?: (() => void) | undefined;
}

export interface WorkflowInput {
  run: RunRow;
  project: Project;
  branchTemplate: string;
  /** The workflow type's settings; absent, the instance's defaults. */
  workflow?: WorkflowSettings | undefined;
  signal: AbortSignal;
}

/**
 * The developer workflow of DESIGN.md §6, steps 2 to 5: branch, change,
 * commit, push, merge request. Each step is safe to repeat: a retry after
 * a crash finds the branch and the merge request it made before.
 */
export async function runDeveloperWorkflow(
  deps: WorkflowDependencies,
  input: WorkflowInput,
): Promise<void> {
  const { db, forge } = deps;
  const { run, project, signal } = input;
  const ticket = ticketOf(run);
  const forgeProject: ForgeProject = project;
  const link = runUrl(deps.publicUrl, run);
  const step = stepRecorder(deps, run, project);

  const { workflow } = input;
  const executorName = workflow?.executor ?? run.executor;
  const executor = deps.executors.get(executorName);
  if (!executor) throw new Error(`no executor named "${executorName}"`);

  const branch =
    (await branchOfOpenMergeRequest(db, forge, forgeProject, run)) ??
    branchName(input.branchTemplate, {
      externalReference: ticket.externalReference,
      title: ticket.title,
      runId: run.id,
    });
  // The forge does steps 3 to 5 itself: nothing to check out or push.
  if (executor.remote) {
    await runRemoteWorkflow(deps, input, { executor, ticket, branch, step });
    return;
  }
  const dir = path.join(deps.workspacesDir, `run-${run.id}`);
  await fs.rm(dir, { recursive: true, force: true });

  try {
    checkCanceled(signal);
    const checkout = await step(
      "branch_created",
      () => forge.checkout(forgeProject, dir, branch, signal),
      (result) => ({
        branch,
        ...(result.branchCreated ? {} : { reused: true }),
      }),
      async (trx) => {
        await trx
          .updateTable("runs")
          .set({ branch })
          .where("id", "=", run.id)
          .execute();
      },
    );
    const { workspace } = checkout;

    checkCanceled(signal);
    const result = await executeWithFollowUps(deps, run, step, {
      executor,
      ticket,
      workspace,
      signal,
      workflow,
    });
    checkCanceled(signal);
    const sha = await step(
      "committed",
      () => workspace.commitAll(commitMessage(ticket, link)),
      (commit) => (commit ? { sha: commit } : { sha: null, unchanged: true }),
    );
    await step(
      "pushed",
      () => forge.push(workspace, branch, signal),
      () => ({
        branch,
      }),
    );

    checkCanceled(signal);
    const followUps = await followUpsOf(db, run.id);
    await step(
      "merge_request_opened",
      async () => {
        const open = await forge.findOpenMergeRequest(forgeProject, branch);
        const mergeRequest = open
          ? await continueMergeRequest(forge, forgeProject, open, {
              followUps,
              run,
              runUrl: link,
              result,
            })
          : await forge.openMergeRequest(forgeProject, {
              title: mergeRequestTitle(ticket),
              description: templatedDescription(
                workflow?.mergeRequestTemplate,
                {
                  ticket,
                  followUps,
                  summary: result.summary,
                  complete: result.complete,
                  runId: run.id,
                  runUrl: link,
                },
                mergeRequestDescription,
              ),
              labels: workflow?.labels,
              sourceBranch: branch,
              targetBranch: project.defaultBranch,
              externalReference: ticket.externalReference,
              runId: run.id,
            });
        const note = runNote({
          runId: run.id,
          runUrl: link,
          continued:
            open !== undefined && (await openedByEarlierRun(db, run, open.iid)),
          followUps,
          summary: result.summary,
          complete: result.complete,
          stopped: result.stopped,
        });
        // TODO: a run continuing a merge request that fails before this
        // step (a push GitLab refuses, a model that errs) leaves no note;
        // the job's failure path should leave one once the merge request
        // is known, so its reviewers learn the run gave up.
        if (note) {
          await forge.addMergeRequestNote(forgeProject, mergeRequest.iid, note);
        }
        return mergeRequest;
      },
      (opened) => ({ iid: opened.iid, web_url: opened.web_url, commit: sha }),
      (trx, opened) =>
        attachMergeRequest(trx, run.id, opened, {
          at: deps.now(),
          publicUrl: deps.publicUrl,
        }),
    );
    deps.onReports?.();

    // The partial work is on the branch and its merge request says it is
    // incomplete; the run itself fails with the reason. Retrying would
    // spend the same budget again, so only an admin's retry does.
    if (result.stopped) throw new FatalJobError(result.stopped);
  } catch (error) {
    // What the forge refused, it refuses again on a retry.
    if (error instanceof ForgeRefusedError) {
      throw new FatalJobError(error.message, { cause: error });
    }
    throw error;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** How many times one run gives its executor follow-ups that arrived
 * while it worked, before it commits what it has. */
const MAX_EXECUTION_ROUNDS = 3;

interface Execution {
  executor: Executor;
  ticket: Ticket;
  workspace: GitWorkspace;
  signal: AbortSignal;
  workflow: WorkflowSettings | undefined;
}

/**
 * Runs the executor on the ticket and every follow-up of this run (all of
 * them, so a retried run loses none), then, while new follow-ups arrived
 * during the work and rounds are left, again on those, continuing from
 * the summary so far. Each round is an `executed` step; the last
 * summary is kept on the run for the next run on the same merge request.
 */
async function executeWithFollowUps(
  deps: WorkflowDependencies,
  run: RunRow,
  step: ReturnType<typeof stepRecorder>,
  execution: Execution,
): Promise<ExecutionResult> {
  const { executor, ticket, workspace, signal, workflow } = execution;
  let followUps = await followUpsOf(deps.db, run.id);
  let summary = await previousSummary(deps.db, run);
  let result: ExecutionResult | undefined;

  for (let round = 1; round <= MAX_EXECUTION_ROUNDS; round += 1) {
    checkCanceled(signal);
    const given = followUps;
    const outcome: ExecutionResult = await step(
      "executed",
      () =>
        executor.execute({
          runId: run.id,
          ticket,
          workspace,
          signal,
          followUps: given.map(({ instruction, author }) => ({
            instruction,
            author,
          })),
          previousSummary: summary,
          workflow,
        }),
      (done) => executionDetails(executor, done, given, workflow, round),
      (trx, done) =>
        recordExecution(trx, run.id, given, done.summary, deps.now()),
    );
    result = outcome;
    summary = outcome.summary;

    followUps = await followUpsOf(deps.db, run.id, true);
    if (followUps.length === 0) break;
  }
  if (!result) throw new Error("the executor ran no round");
  // Follow-ups that arrive from here to the run's end stay pending; a
  // run that succeeds hands them on to a new run (finishRun).
  return result;
}

/** A follow-up run for a ticket whose merge request is still open keeps
 * working on that merge request's branch. */
async function branchOfOpenMergeRequest(
  db: Db,
  forge: Forge,
  project: ForgeProject,
  run: RunRow,
): Promise<string | undefined> {
  // Earlier runs of the ticket name their branches; the forge says which
  // of those merge requests is still open (the local table or GitLab).
  const earlier = await db
    .selectFrom("runs")
    .select((eb) => ["branch", eb.fn.max("id").as("newest")])
    .where("project_id", "=", run.project_id)
    .where("external_reference", "=", run.external_reference)
    .where("merge_request_iid", "is not", null)
    .where("branch", "is not", null)
    .groupBy("branch")
    .orderBy("newest", "desc")
    .limit(RECENT_BRANCHES)
    .execute();
  const branches = earlier.flatMap((row) => (row.branch ? [row.branch] : []));
  for (const branch of branches) {
    if (await forge.findOpenMergeRequest(project, branch)) return branch;
  }
  return undefined;
}

/** How many of a ticket's earlier branches a follow-up run looks at. */
const RECENT_BRANCHES = 5;

export type StepRecorder = ReturnType<typeof stepRecorder>;

/** Times a step, then records it in the timeline and the audit log. */
function stepRecorder(
  deps: WorkflowDependencies,
  run: RunRow,
  project: Project,
) {
  const log = deps.logger.child({ run_id: run.id });
  return async <T>(
    kind: TimelineKind,
    work: () => Promise<T>,
    describe: (result: T) => Record<string, unknown>,
    // Run-row changes the step makes, committed with its timeline event.
    apply?: (trx: Db, result: T) => Promise<void>,
  ): Promise<T> => {
    const started = deps.now();
    const result = await work();
    const at = deps.now();
    const details = describe(result);
    const durationMs = at.getTime() - started.getTime();
    await deps.db.transaction().execute(async (trx) => {
      await recordTimelineEvent(trx, run.id, { kind, at, durationMs, details });
      await recordAuditEvent(trx, {
        actor: SYSTEM_ACTOR,
        project,
        action: `run step ${kind}`,
        target: { type: "Run", id: run.id, details: run.external_reference },
        details,
        at,
      });
      await apply?.(trx, result);
    });
    log.info(
      { step: kind, duration_ms: durationMs, ...details },
      "run step done",
    );
    return result;
  };
}

export type { Ticket };
