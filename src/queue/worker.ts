import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Clock } from "../clock.ts";
import type { Db } from "../store/database.ts";
import type { DialectName } from "../store/dialect.ts";
import { claimJob } from "./claim-job.ts";
import { ClaimLoop } from "./claim-loop.ts";
import { finishJob, renewLease, rescheduleJob } from "./finish-job.ts";
import { type Job, retryDelayMs } from "./job.ts";

const SECOND_MS = 1000;

/** What the worker runs; each hook is called with the job still held. */
export interface JobHandler {
  run(job: Job, signal: AbortSignal): Promise<void>;
  /** A retryable failure: the job will run again at `at`. */
  retrying(job: Job, error: Error, at: Date): Promise<void>;
  /** The last attempt failed, or the failure cannot be mended by retrying. */
  failed(job: Job, error: Error): Promise<void>;
  /** Asked at each heartbeat: stop working on this job? */
  canceled(job: Job): Promise<boolean>;
}

/** Thrown by a handler for a failure that no retry can mend. */
export class FatalJobError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "FatalJobError";
  }
}

/** Thrown by a handler that stopped because its job was canceled. */
export class JobCanceledError extends Error {
  constructor() {
    super("the job was canceled");
    this.name = "JobCanceledError";
  }
}

export interface WorkerOptions {
  db: Db;
  handler: JobHandler;
  logger: Logger;
  now: Clock;
  concurrency: number;
  projectConcurrency: number;
  dialect: DialectName;
  leaseMs?: number;
  /** A fallback for due retries; new jobs wake the worker at once. */
  pollMs?: number;
}

/**
 * Claims and runs jobs, up to `concurrency` at once. `wake()` is called
 * right after a transaction commits a job, so a new job starts without
 * waiting for the poll.
 */
export class Worker {
  readonly id = `worker-${randomUUID()}`;
  readonly #options: Required<WorkerOptions>;
  readonly #active = new Map<
    number,
    { runId: number; controller: AbortController }
  >();
  readonly #finished = new Set<Promise<void>>();
  readonly #loop: ClaimLoop;

  constructor(options: WorkerOptions) {
    this.#options = { leaseMs: 30 * SECOND_MS, pollMs: SECOND_MS, ...options };
    this.#loop = new ClaimLoop(
      () => this.#fill(),
      this.#options.pollMs,
      (error) =>
        this.#options.logger.error({ err: error }, "claiming jobs failed"),
    );
  }

  start(): void {
    this.#loop.start();
  }

  wake(): void {
    this.#loop.wake();
  }

  get #stopped(): boolean {
    return this.#loop.stopped;
  }

  /** Stops claiming and waits for running jobs, aborting them after
   * `graceMs`; an aborted job's lease lets another worker take it. */
  async stop(graceMs = 10 * SECOND_MS): Promise<void> {
    this.#loop.stop();
    const all = Promise.allSettled([...this.#finished]);
    const timeout = new Promise((resolve) =>
      setTimeout(resolve, graceMs).unref(),
    );
    await Promise.race([all, timeout]);
    for (const { controller } of this.#active.values()) controller.abort();
    await all;
  }

  /** Stops this process's work on a run at once (it was canceled). */
  abortRun(runId: number): void {
    for (const active of this.#active.values()) {
      if (active.runId === runId) active.controller.abort();
    }
  }

  get activeJobs(): number {
    return this.#active.size;
  }

  async #fill(): Promise<void> {
    const { db, concurrency, leaseMs, projectConcurrency, now, dialect } =
      this.#options;
    while (!this.#stopped && this.#active.size < concurrency) {
      const job = await claimJob(db, {
        workerId: this.id,
        now: now(),
        leaseMs,
        projectConcurrency,
        dialect,
      });
      if (!job) return;
      this.#launch(job);
    }
  }

  #launch(job: Job): void {
    const controller = new AbortController();
    this.#active.set(job.id, { runId: job.runId, controller });
    const done = this.#execute(job, controller).finally(() => {
      this.#active.delete(job.id);
      this.#finished.delete(done);
      this.wake();
    });
    this.#finished.add(done);
  }

  async #execute(job: Job, controller: AbortController): Promise<void> {
    const { db, handler, logger, now, leaseMs } = this.#options;
    const log = logger.child({
      job_id: job.id,
      run_id: job.runId,
      project_id: job.projectId,
      worker_id: this.id,
    });
    let leaseUntil = now().getTime() + leaseMs;
    const heartbeat = setInterval(() => {
      this.#heartbeat(job, controller)
        .then((renewedUntil) => {
          leaseUntil = renewedUntil;
        })
        .catch((error: unknown) => {
          // Past its lease another worker may take the job: stop rather
          // than risk two workers on one job.
          const lost = now().getTime() >= leaseUntil;
          log.warn({ err: error, lease_lost: lost }, "job heartbeat failed");
          if (lost) controller.abort(new Error("the job's lease ran out"));
        });
    }, leaseMs / 3);

    log.info({ attempt: job.attempts }, "job started");
    try {
      if (job.attempts > job.maxAttempts) {
        // Retaken after its worker died on the last attempt.
        throw new FatalJobError(
          `gave up after ${job.maxAttempts} attempts; the last one's ` +
            "worker stopped before finishing",
        );
      }
      await handler.run(job, controller.signal);
      await finishJob(db, job, "done", now());
    } catch (caught) {
      const error = asError(caught);
      await this.#settleFailure(job, error, controller.signal).catch(
        (settleError: unknown) =>
          log.error({ err: settleError }, "recording a job failure failed"),
      );
    } finally {
      clearInterval(heartbeat);
      log.info("job ended");
    }
  }

  async #settleFailure(
    job: Job,
    error: Error,
    signal: AbortSignal,
  ): Promise<void> {
    const { db, handler, logger, now } = this.#options;
    const log = logger.child({ job_id: job.id, run_id: job.runId });

    if (signal.aborted && this.#stopped) {
      // Shutting down: leave the lease to lapse so another worker retries.
      log.warn("job interrupted by shutdown; its lease will lapse");
      return;
    }
    // An abort outside shutdown means a cancel (or a lost lease, where
    // finishJob's lock check makes this a no-op). Whatever the aborted work
    // threw (git's or fetch's AbortError, say), retrying would revive it.
    if (error instanceof JobCanceledError || signal.aborted) {
      await finishJob(db, job, "canceled", now());
      log.info({ err: error }, "job canceled");
      return;
    }

    const retryable = !(error instanceof FatalJobError);
    if (retryable && job.attempts < job.maxAttempts) {
      const at = new Date(now().getTime() + retryDelayMs(job.attempts));
      await handler.retrying(job, error, at);
      await rescheduleJob(db, job, at, now(), error.message);
      log.warn(
        { err: error, attempt: job.attempts, retry_at: at },
        "job will retry",
      );
      return;
    }
    await handler.failed(job, error);
    await finishJob(db, job, "failed", now(), error.message);
    log.error({ err: error, attempt: job.attempts }, "job failed");
  }

  /** Renews the lease; answers when the renewed lease ends. */
  async #heartbeat(job: Job, controller: AbortController): Promise<number> {
    const { db, handler, now, leaseMs } = this.#options;
    const at = now();
    const until = at.getTime() + leaseMs;
    const held = await renewLease(db, job, new Date(until), at);
    if (!held || (await handler.canceled(job))) controller.abort();
    return until;
  }
}

function asError(value: unknown): Error {
  return value instanceof Error
    ? value
    : new Error(String(value), { cause: value });
}
