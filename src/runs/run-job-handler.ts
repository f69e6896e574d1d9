import { recordAuditEvent, SYSTEM_ACTOR } from "../audit/audit-event.ts";
import { findProject } from "../projects/project.ts";
import type { Job } from "../queue/job.ts";
import {
  FatalJobError,
  JobCanceledError,
  type JobHandler,
} from "../queue/worker.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import {
  runDeveloperWorkflow,
  type WorkflowDependencies,
} from "./developer-workflow.ts";
import { changeRunStatus, type RunStatus } from "./run-status.ts";
import { recordTimelineEvent } from "./timeline.ts";

const DEFAULT_BRANCH_TEMPLATE = "ai/{external_reference}-{slug}";

/** Runs a run's job through the developer workflow and keeps the run's
 * status in step with the job's fate. */
export class RunJobHandler implements JobHandler {
  constructor(
    private readonly deps: WorkflowDependencies & { metrics: Metrics },
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
    const trigger = run.trigger_id
      ? await db
          .selectFrom("triggers")
          .select("branch_template")
          .where("id", "=", run.trigger_id)
          .executeTakeFirst()
      : undefined;

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
      return true;
    });
    if (!moved) {
      throw new FatalJobError(`run ${run.id} is ${run.status}, not queued`);
    }
    if (job.attempts === 1) {
      const waited = startedAt.getTime() - Date.parse(run.received_at);
      metrics.receiptToStartSeconds.observe(waited / 1000);
    }

    await runDeveloperWorkflow(this.deps, {
      run,
      project,
      branchTemplate: trigger?.branch_template ?? DEFAULT_BRANCH_TEMPLATE,
      signal,
    });
    await this.#finish(job, "succeeded", null);
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

  async #finish(job: Job, status: RunStatus, error: string | null) {
    const { db, now, metrics } = this.deps;
    const at = now();
    const changed = await db.transaction().execute(async (trx) => {
      if (!(await changeRunStatus(trx, job.runId, status, { at, error }))) {
        return false;
      }
      await recordTimelineEvent(trx, job.runId, {
        kind: "finished",
        at,
        details: { status, ...(error ? { error } : {}) },
      });
      const project = await trx
        .selectFrom("projects")
        .select(["id", "path"])
        .where("id", "=", job.projectId)
        .executeTakeFirstOrThrow();
      await recordAuditEvent(trx, {
        actor: SYSTEM_ACTOR,
        project,
        action: `run ${status}`,
        target: { type: "Run", id: job.runId },
        details: error ? { error } : {},
        at,
      });
      return true;
    });
    if (changed) metrics.runsFinished.inc({ status });
  }
}
