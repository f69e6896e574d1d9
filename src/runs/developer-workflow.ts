import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { recordAuditEvent, SYSTEM_ACTOR } from "../audit/audit-event.ts";
import type { Clock } from "../clock.ts";
import type { Executor } from "../executors/executor.ts";
import type { Forge, ForgeProject } from "../forges/forge.ts";
import type { Project } from "../projects/project.ts";
import { FatalJobError, JobCanceledError } from "../queue/worker.ts";
import type { Db } from "../store/database.ts";
import type { Ticket } from "../tickets/ticket.ts";
import type { WorkflowSettings } from "../workflows/workflow-settings.ts";
import { branchName } from "./branch-name.ts";
import { templatedDescription } from "./merge-request-template.ts";
import {
  commitMessage,
  mergeRequestDescription,
  mergeRequestTitle,
} from "./merge-request-text.ts";
import { type RunRow, runUrl, ticketOf } from "./run-record.ts";
import { recordTimelineEvent, type TimelineKind } from "./timeline.ts";

export interface WorkflowDependencies {
  db: Db;
  forge: Forge;
  executors: ReadonlyMap<string, Executor>;
  workspacesDir: string;
  publicUrl: string;
  logger: Logger;
  now: Clock;
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
    (await branchOfOpenMergeRequest(db, run)) ??
    branchName(input.branchTemplate, {
      externalReference: ticket.externalReference,
      title: ticket.title,
      runId: run.id,
    });
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
    const result = await step(
      "executed",
      () =>
        executor.execute({
          runId: run.id,
          ticket,
          workspace,
          signal,
          // TODO: filled from follow-up comments once sources report them
          // (issue 4); until then every run starts from the ticket alone.
          followUps: [],
          previousSummary: undefined,
          workflow,
        }),
      (outcome) => ({
        executor: executor.name,
        complete: outcome.complete,
        ...(workflow
          ? { workflow: workflow.type, defined_by: workflow.definedBy }
          : {}),
        ...outcome.details,
        ...(outcome.stopped ? { stopped: outcome.stopped } : {}),
      }),
    );

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
    await step(
      "merge_request_opened",
      async () =>
        (await forge.findOpenMergeRequest(forgeProject, branch)) ??
        forge.openMergeRequest(forgeProject, {
          title: mergeRequestTitle(ticket),
          description: templatedDescription(
            workflow?.mergeRequestTemplate,
            {
              ticket,
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
        }),
      (opened) => ({ iid: opened.iid, web_url: opened.web_url, commit: sha }),
      async (trx, opened) => {
        await trx
          .updateTable("runs")
          .set({ merge_request_iid: opened.iid })
          .where("id", "=", run.id)
          .execute();
      },
    );

    // The partial work is on the branch and its merge request says it is
    // incomplete; the run itself fails with the reason. Retrying would
    // spend the same budget again, so only an admin's retry does.
    if (result.stopped) throw new FatalJobError(result.stopped);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** A follow-up run for a ticket whose merge request is still open keeps
 * working on that merge request's branch. */
async function branchOfOpenMergeRequest(
  db: Db,
  run: RunRow,
): Promise<string | undefined> {
  const open = await db
    .selectFrom("merge_requests")
    .select("source_branch")
    .where("project_id", "=", run.project_id)
    .where("external_reference", "=", run.external_reference)
    .where("state", "=", "opened")
    .orderBy("id", "desc")
    .executeTakeFirst();
  return open?.source_branch;
}

function checkCanceled(signal: AbortSignal): void {
  if (signal.aborted) throw new JobCanceledError();
}

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
