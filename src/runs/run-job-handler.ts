import type { Forge } from "../forges/forge.ts";
import type { ForgeRegistry } from "../forges/forge-registry.ts";
import { enqueueReports } from "../outbox/enqueue-reports.ts";
import type { SyncEvent } from "../outbox/sync-event.ts";
import { findProject, type Project } from "../projects/project.ts";
import type { Job } from "../queue/job.ts";
import {
  FatalJobError,
  JobCanceledError,
  type JobHandler,
} from "../queue/worker.ts";
import type { Db } from "../store/database.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import { findTrigger } from "../triggers/find-trigger.ts";
import {
  loadWorkflow,
  type WorkflowSources,
} from "../workflows/load-workflow.ts";
import type { WorkflowSettings } from "../workflows/workflow-settings.ts";
import { WorkflowsFileError } from "../workflows/workflows-file.ts";
import {
  runDeveloperWorkflow,
  type WorkflowDependencies,
} from "./developer-workflow.ts";
import { finishRun } from "./finish-run.ts";
import { changeRunStatus } from "./run-status.ts";
import { recordTimelineEvent } from "./timeline.ts";

/** Runs a run's job through the developer workflow and keeps the run's
 * status in step with the job's fate. */
export class RunJobHandler implements JobHandler {
  constructor(
    private readonly deps: Omit<WorkflowDependencies, "forge"> & {
      forges: ForgeRegistry;
      metrics: Metrics;
      workflowSources: Omit<WorkflowSources, "forge">;
    },
  ) {}

  async run(job: Job, signal: AbortSignal): Promise<void> {
    const { db, now, metrics } = this.deps;
    const run = await db
      .selectFrom("runs")
      .selectAll()
      .where("id", "=", job.runId)
      .executeTakeFirst();
    if (!run) throw new FatalJobError(`run ${job.runId} no longer exists`);
    if (run.status === "canceled") throw new JobCanceledError();

    const project = await findProject(db, String(run.project_id));
    if (!project) throw new FatalJobError(`project ${run.project_id} is gone`);

    const startedAt = now();
    // From queued normally; already running when a lapsed lease is retaken.
    const moved = await db.transaction().execute(async (trx) => {
      const changed = await changeRunStatus(trx, run.id, "running", {
        at: startedAt,
      });
      if (!changed && run.status !== "running") return false;
      await recordTimelineEvent(trx, run.id, {
        kind: "started",
        at: startedAt,
        details: { attempt: job.attempts, worker: job.lockedBy },
      });
      // A lapsed lease retaken has told the ticket already.
      if (changed) await this.#report(trx, run.id, "started", startedAt);
      return true;
    });
    this.deps.onReports?.();
    if (!moved) {
      throw new FatalJobError(`run ${run.id} is ${run.status}, not queued`);
    }
    if (job.attempts === 1) {
      const waited = startedAt.getTime() - Date.parse(run.received_at);
      metrics.receiptToStartSeconds.observe(waited / 1000);
    }

    const forge = await this.deps.forges.of(project);
    const workflow = await this.#workflowOf(run, project, forge, signal);
    await runDeveloperWorkflow(
      { ...this.deps, forge },
      {
        run,
        project,
        branchTemplate: workflow.branchTemplate,
        workflow,
        signal,
      },
    );
    await this.#finish(job, "succeeded", null);
  }

  /**
   * The run's workflow type, as the trigger and the repository's
   * .flowgate/workflows.yml define it. An invalid file fails the run with
   * the file's error: retrying would read the same file.
   */
  async #workflowOf(
    run: { trigger_id: number | null; workflow_type: string; executor: string },
    project: Project,
    forge: Forge,
    signal: AbortSignal,
  ): Promise<WorkflowSettings> {
    const { db, now, workflowSources } = this.deps;
    const settings = run.trigger_id
      ? await findTrigger(db, project.id, run.trigger_id, now())
      : undefined;
    const sealed = settings
      ? await db
          .selectFrom("triggers")
          .select("credentials")
          .where("id", "=", settings.id)
          .executeTakeFirst()
      : undefined;
    try {
      return await loadWorkflow(
        { ...workflowSources, forge },
        run,
        project,
        settings && {
          settings,
          sealedCredentials: sealed?.credentials ?? null,
        },
        signal,
      );
    } catch (error) {
      if (error instanceof WorkflowsFileError) {
        throw new FatalJobError(error.message, { cause: error });
      }
      throw error;
    }
  }

  async retrying(job: Job, error: Error, at: Date): Promise<void> {
    const { db, now } = this.deps;
    await changeRunStatus(db, job.runId, "queued", {
      from: ["running"],
      at: now(),
      error: error.message,
    });
    await recordTimelineEvent(db, job.runId, {
      kind: "retry_scheduled",
      at: now(),
      details: {
        attempt: job.attempts,
        retry_at: at.toISOString(),
        error: error.message,
      },
    });
  }

  async failed(job: Job, error: Error): Promise<void> {
    await this.#finish(job, "failed", error.message);
  }

  async canceled(job: Job): Promise<boolean> {
    const run = await this.deps.db
      .selectFrom("runs")
      .select("status")
      .where("id", "=", job.runId)
      .executeTakeFirst();
    return run?.status !== "running";
  }

  async #finish(
    job: Job,
    status: "succeeded" | "failed",
    error: string | null,
  ) {
    const { db, now, metrics, publicUrl } = this.deps;
    const outcome = await finishRun(db, {
      runId: job.runId,
      projectId: job.projectId,
      status,
      error,
      at: now(),
      publicUrl,
    });
    if (!outcome.changed) return;
    metrics.runsFinished.inc({ status });
    if (outcome.handedOnTo !== undefined) {
      this.deps.logger.info(
        { run_id: job.runId, heir_run_id: outcome.handedOnTo },
        "run handed its pending follow-ups on",
      );
    }
    this.deps.onReports?.();
  }

  #report(trx: Db, runId: number, event: SyncEvent, at: Date) {
    return enqueueReports(trx, {
      runId,
      event,
      at,
      publicUrl: this.deps.publicUrl,
    });
  }
}
