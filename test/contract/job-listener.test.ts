import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { enqueueJob } from "../../src/queue/enqueue-job.ts";
import type { Job } from "../../src/queue/job.ts";
import { JobListener } from "../../src/queue/job-listener.ts";
import { Worker } from "../../src/queue/worker.ts";
import type { Store } from "../../src/store/database.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { LogCapture } from "../helpers/log-capture.ts";
import { unavailable } from "../helpers/postgres.ts";
import {
  openStoreFixture,
  type StoreFixture,
  T0,
} from "../runs/store-fixture.ts";
import { databaseUrl, openAnotherStore } from "./another-store.ts";

// On PostgreSQL a job queued by one process wakes the workers of every
// other process (LISTEN/NOTIFY), not only at their next poll. SQLite has
// no listener: one process owns the file and wakes its own worker after
// each commit (see test/queue/worker.test.ts).

const MINUTE_MS = 60_000;

let fixture: StoreFixture;
let workerStore: Store;
let worker: Worker | undefined;
let listener: JobListener | undefined;

async function waitFor(condition: () => boolean, what: string) {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.skipIf(unavailable("postgres"))("the PostgreSQL job listener", () => {
  beforeEach(async () => {
    fixture = await openStoreFixture("postgres");
    workerStore = await openAnotherStore(fixture);
  });
  afterEach(async () => {
    await listener?.stop();
    await worker?.stop();
    await workerStore.close();
    await fixture.close();
  });

  it("wakes another store's worker for a job queued through this one, long before its poll", async () => {
    const logs = new LogCapture();
    const logger = createLogger("debug", logs);
    const started: Job[] = [];
    worker = new Worker({
      db: workerStore.db,
      handler: {
        run: async (job) => {
          started.push(job);
        },
        retrying: async () => {},
        failed: async () => {},
        canceled: async () => false,
      },
      logger,
      now: () => T0,
      concurrency: 1,
      projectConcurrency: 1,
      dialect: workerStore.dialect,
      // Far beyond the test's time-out: only a notification can wake it.
      pollMs: 10 * MINUTE_MS,
    });
    let wakes = 0;
    const url = databaseUrl(fixture);
    if (!url) throw new Error("the fixture has no PostgreSQL URL");
    listener = new JobListener(
      url,
      {
        onJob: () => {
          wakes += 1;
          worker?.wake();
        },
        onWake: () => {},
      },
      logger,
    );
    worker.start();
    listener.start();
    // Once listening, the listener wakes the worker for what it missed.
    await waitFor(() => wakes === 1, "for the listener to connect");
    // The worker's own start-up fill and that wake found nothing to do.
    await waitFor(() => worker?.activeJobs === 0, "for the worker to settle");

    const projectId = await fixture.addProject();
    const runId = await fixture.addRun(projectId);
    const jobId = await enqueueJob(fixture.store.db, {
      kind: "run",
      runId,
      projectId,
      runAt: T0,
    });

    await waitFor(() => started.length === 1, "for the job to start");
    expect(started[0]?.id).toBe(jobId);
    expect(wakes).toBe(2);
  });
});
