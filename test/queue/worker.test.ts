import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { enqueueJob } from "../../src/queue/enqueue-job.ts";
import type { Job } from "../../src/queue/job.ts";
import {
  FatalJobError,
  JobCanceledError,
  type JobHandler,
  Worker,
  type WorkerOptions,
} from "../../src/queue/worker.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { LogCapture } from "../helpers/log-capture.ts";
import { DATABASES, unavailable } from "../helpers/postgres.ts";
import {
  openStoreFixture,
  type StoreFixture,
  T0,
} from "../runs/store-fixture.ts";

const MINUTE = 60_000;

/** The work a test gives the worker; records every call it gets. */
class ScriptedHandler implements JobHandler {
  readonly runs: Job[] = [];
  readonly retries: Array<{ job: Job; error: Error; at: Date }> = [];
  readonly failures: Array<{ job: Job; error: Error }> = [];
  cancelRequested = false;

  constructor(
    private readonly work: (job: Job, signal: AbortSignal) => Promise<void>,
  ) {}

  async run(job: Job, signal: AbortSignal): Promise<void> {
    this.runs.push(job);
    await this.work(job, signal);
  }

  async retrying(job: Job, error: Error, at: Date): Promise<void> {
    this.retries.push({ job, error, at });
  }

  async failed(job: Job, error: Error): Promise<void> {
    this.failures.push({ job, error });
  }

  async canceled(): Promise<boolean> {
    return this.cancelRequested;
  }
}

let fixture: StoreFixture;
let projectId: number;
let now: Date;
let logs: LogCapture;
const workers: Worker[] = [];

function startWorker(
  handler: JobHandler,
  options: Partial<WorkerOptions> = {},
): Worker {
  const worker = new Worker({
    db: fixture.store.db,
    handler,
    logger: createLogger("debug", logs),
    now: () => now,
    concurrency: 4,
    projectConcurrency: 2,
    dialect: fixture.store.dialect,
    // Large, so that only wake() can explain a job starting quickly.
    pollMs: 10 * MINUTE,
    ...options,
  });
  workers.push(worker);
  worker.start();
  return worker;
}

async function addJob(
  options: { project?: number; maxAttempts?: number } = {},
): Promise<{ jobId: number; runId: number }> {
  const project = options.project ?? projectId;
  const runId = await fixture.addRun(project);
  const jobId = await enqueueJob(fixture.store.db, {
    kind: "run",
    runId,
    projectId: project,
    runAt: now,
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  });
  return { jobId, runId };
}

async function jobRow(id: number) {
  return fixture.store.db
    .selectFrom("jobs")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
}

async function waitFor(
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function waitForStatus(jobId: number, status: string): Promise<void> {
  await waitFor(async () => (await jobRow(jobId)).status === status);
}

/** A promise and the function that settles it. */
function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe.each(DATABASES)("%s", (database) => {
  describe.skipIf(unavailable(database))("Worker", () => {
    beforeEach(async () => {
      fixture = await openStoreFixture(database);
      projectId = await fixture.addProject();
      now = T0;
      logs = new LogCapture();
    });
    afterEach(async () => {
      for (const worker of workers.splice(0)) await worker.stop(1000);
      await fixture.close();
    });
    it("runs a committed job and marks it done", async () => {
      const handler = new ScriptedHandler(async () => {});
      const worker = startWorker(handler);
      const { jobId, runId } = await addJob();

      worker.wake();

      await waitForStatus(jobId, "done");
      expect(handler.runs).toHaveLength(1);
      expect(handler.runs[0]).toMatchObject({ id: jobId, runId, attempts: 1 });
      expect(await jobRow(jobId)).toMatchObject({
        locked_by: null,
        locked_until: null,
        last_error: null,
      });
    });

    it("starts a job on wake() without waiting for the poll interval", async () => {
      const handler = new ScriptedHandler(async () => {});
      const worker = startWorker(handler);
      await waitFor(() => worker.activeJobs === 0);
      const { jobId } = await addJob();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await jobRow(jobId)).status).toBe("pending");

      const woken = Date.now();
      worker.wake();

      await waitForStatus(jobId, "done");
      expect(Date.now() - woken).toBeLessThan(1000);
    });

    it("puts a failed job back to pending with a backed-off run_at", async () => {
      const handler = new ScriptedHandler(async () => {
        throw new Error("the forge timed out");
      });
      const worker = startWorker(handler);
      const { jobId } = await addJob();

      worker.wake();
      await waitFor(() => handler.retries.length === 1);
      await waitForStatus(jobId, "pending");

      const row = await jobRow(jobId);
      const delay = Date.parse(row.run_at) - now.getTime();
      expect(delay).toBeGreaterThanOrEqual(1000);
      expect(delay).toBeLessThanOrEqual(2000);
      expect(row).toMatchObject({
        attempts: 1,
        locked_by: null,
        last_error: "the forge timed out",
      });
      expect(handler.retries[0]?.at.toISOString()).toBe(row.run_at);
      expect(handler.retries[0]?.error.message).toBe("the forge timed out");
      expect(handler.failures).toEqual([]);
    });

    it("runs a retried job again only once its run_at has come", async () => {
      const handler = new ScriptedHandler(async (job) => {
        if (job.attempts === 1) throw new Error("transient");
      });
      const worker = startWorker(handler);
      const { jobId } = await addJob();
      worker.wake();
      await waitForStatus(jobId, "pending");

      worker.wake();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(handler.runs).toHaveLength(1);

      now = new Date(now.getTime() + 2001);
      worker.wake();

      await waitForStatus(jobId, "done");
      expect(handler.runs.map((job) => job.attempts)).toEqual([1, 2]);
    });

    it("marks a job failed after its last attempt", async () => {
      const handler = new ScriptedHandler(async () => {
        throw new Error("always broken");
      });
      const worker = startWorker(handler);
      const { jobId } = await addJob({ maxAttempts: 3 });

      for (let attempt = 1; attempt <= 3; attempt += 1) {
        worker.wake();
        await waitFor(() => handler.runs.length === attempt);
        await waitFor(async () => (await jobRow(jobId)).status !== "running");
        now = new Date(now.getTime() + 10 * MINUTE);
      }

      await waitForStatus(jobId, "failed");
      expect(handler.retries).toHaveLength(2);
      expect(handler.failures).toHaveLength(1);
      expect(handler.failures[0]?.job.attempts).toBe(3);
      expect(await jobRow(jobId)).toMatchObject({
        attempts: 3,
        last_error: "always broken",
        locked_by: null,
      });
    });

    it("fails a job at once on a FatalJobError", async () => {
      const handler = new ScriptedHandler(async () => {
        throw new FatalJobError("the project is gone");
      });
      const worker = startWorker(handler);
      const { jobId } = await addJob({ maxAttempts: 5 });

      worker.wake();

      await waitForStatus(jobId, "failed");
      expect(handler.runs).toHaveLength(1);
      expect(handler.retries).toEqual([]);
      expect(handler.failures[0]?.error.message).toBe("the project is gone");
    });

    it("aborts a running job when its run is aborted, ending it canceled", async () => {
      const started = gate();
      const handler = new ScriptedHandler(async (_job, signal) => {
        started.open();
        await new Promise((resolve) =>
          signal.addEventListener("abort", resolve, { once: true }),
        );
        throw new JobCanceledError();
      });
      const worker = startWorker(handler);
      const { jobId, runId } = await addJob();
      worker.wake();
      await started.opened;

      worker.abortRun(runId);

      await waitForStatus(jobId, "canceled");
      expect(handler.retries).toEqual([]);
      expect(handler.failures).toEqual([]);
      await waitFor(() => worker.activeJobs === 0);
    });

    it("aborts a running job at its heartbeat when the handler says it was canceled", async () => {
      const started = gate();
      const handler = new ScriptedHandler(async (_job, signal) => {
        started.open();
        await new Promise((resolve) =>
          signal.addEventListener("abort", resolve, { once: true }),
        );
        throw new JobCanceledError();
      });
      // Heartbeats every leaseMs / 3 of real time.
      const worker = startWorker(handler, { leaseMs: 300 });
      const { jobId } = await addJob();
      worker.wake();
      await started.opened;

      handler.cancelRequested = true;

      await waitForStatus(jobId, "canceled");
      expect(handler.retries).toEqual([]);
    });

    it("does not retry a job whose work failed because it was canceled", async () => {
      const started = gate();
      const handler = new ScriptedHandler(async (_job, signal) => {
        started.open();
        await new Promise((resolve) =>
          signal.addEventListener("abort", resolve, { once: true }),
        );
        // What git or fetch throw when their signal aborts.
        throw new DOMException("The operation was aborted", "AbortError");
      });
      const worker = startWorker(handler);
      const { jobId, runId } = await addJob();
      worker.wake();
      await started.opened;

      worker.abortRun(runId);

      await waitForStatus(jobId, "canceled");
      expect(handler.retries).toEqual([]);
      expect(handler.failures).toEqual([]);
    });

    it("leaves a job interrupted by stop() running, for its lease to lapse", async () => {
      const started = gate();
      const handler = new ScriptedHandler(async (_job, signal) => {
        started.open();
        await new Promise((resolve) =>
          signal.addEventListener("abort", resolve, { once: true }),
        );
        // The workflow checks its signal between steps and throws this.
        throw new JobCanceledError();
      });
      const worker = startWorker(handler);
      const { jobId } = await addJob();
      worker.wake();
      await started.opened;

      await worker.stop(50);

      expect(await jobRow(jobId)).toMatchObject({
        status: "running",
        locked_by: worker.id,
      });
      expect(handler.retries).toEqual([]);
      expect(handler.failures).toEqual([]);
    });

    it("keeps each project to its concurrency limit", async () => {
      const release = gate();
      const handler = new ScriptedHandler(async () => release.opened);
      const other = await fixture.addProject();
      const a1 = await addJob();
      const a2 = await addJob();
      const b1 = await addJob({ project: other });
      const worker = startWorker(handler, { projectConcurrency: 1 });

      await waitFor(() => handler.runs.length === 2);
      await new Promise((resolve) => setTimeout(resolve, 100));

      expect(handler.runs.map((job) => job.id).sort()).toEqual(
        [a1.jobId, b1.jobId].sort(),
      );
      expect((await jobRow(a2.jobId)).status).toBe("pending");

      release.open();
      await waitForStatus(a2.jobId, "done");
      expect(worker.activeJobs).toBeLessThanOrEqual(1);
    });

    it("never runs more jobs at once than its concurrency", async () => {
      const release = gate();
      const handler = new ScriptedHandler(async () => release.opened);
      for (let index = 0; index < 5; index += 1) {
        await addJob({ project: await fixture.addProject() });
      }
      const worker = startWorker(handler, { concurrency: 2 });

      await waitFor(() => handler.runs.length === 2);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(worker.activeJobs).toBe(2);
      expect(handler.runs).toHaveLength(2);

      release.open();
      await waitFor(() => handler.runs.length === 5);
    });

    it("logs a failure with the job's id, never swallowing it", async () => {
      const handler = new ScriptedHandler(async () => {
        throw new FatalJobError("cannot be mended");
      });
      const worker = startWorker(handler);
      const { jobId, runId } = await addJob();

      worker.wake();
      await waitForStatus(jobId, "failed");

      const line = logs
        .entries()
        .find((entry) => entry.msg === "job failed" && entry.job_id === jobId);
      expect(line).toMatchObject({ run_id: runId, level: 50 });
    });
  });
});
