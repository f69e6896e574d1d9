import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { enqueueJob } from "../../src/queue/enqueue-job.ts";
import { DATABASES, unavailable } from "../helpers/postgres.ts";
import {
  openStoreFixture,
  type StoreFixture,
  T0,
} from "../runs/store-fixture.ts";
import { databaseUrl } from "./another-store.ts";
import type { ClaimerData } from "./claimer-thread.ts";
import { startThread } from "./start-thread.ts";

// The per-project limit is held by the database, not by a process: many
// claimers, each on a thread with a connection of its own (as worker
// processes would be: SQLite's driver is synchronous, so two connections
// on one thread would wait on each other), never run more of one
// project's jobs at once than the limit, and never take one job twice.

// More claimers than the limit, so that some are always pressing on it.
const LIMIT = 2;
const CLAIMERS = LIMIT + 2;
const JOBS_PER_PROJECT = 20;

let fixture: StoreFixture;

async function addJobs(projectId: number, count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    const runId = await fixture.addRun(projectId);
    await enqueueJob(fixture.store.db, {
      kind: "run",
      runId,
      projectId,
      runAt: T0,
    });
  }
}

describe.each(DATABASES)("%s", (database) => {
  describe.skipIf(unavailable(database))(
    "claimers on separate connections",
    () => {
      beforeEach(async () => {
        fixture = await openStoreFixture(database);
      });
      afterEach(async () => fixture.close());

      it("never run more of a project's jobs at once than its limit, and take each job once", {
        timeout: 120_000,
      }, async () => {
        const projects = [await fixture.addProject()];
        for (const projectId of projects) {
          await addJobs(projectId, JOBS_PER_PROJECT);
        }
        const totalJobs = projects.length * JOBS_PER_PROJECT;
        const tally = new SharedArrayBuffer(
          Int32Array.BYTES_PER_ELEMENT * (3 * projects.length + 2),
        );
        const counts = new Int32Array(tally);

        const claimers = Array.from({ length: CLAIMERS }, (_, index) => {
          const data: ClaimerData = {
            dataDir: fixture.dataDir,
            databaseUrl: databaseUrl(fixture),
            workerId: `worker-${index}`,
            projects,
            totalJobs,
            limit: LIMIT,
            now: T0.toISOString(),
            tally,
          };
          return startThread<number[]>(
            new URL("./claimer-thread.ts", import.meta.url),
            data,
          );
        });
        await Promise.all(claimers.map((claimer) => claimer.ready));
        Atomics.store(counts, counts.length - 2, 1);
        Atomics.notify(counts, counts.length - 2);
        const answers = await Promise.all(
          claimers.map((claimer) => claimer.result),
        );

        const claimed = answers.flat();
        expect(claimed).toHaveLength(totalJobs);
        expect(new Set(claimed).size).toBe(totalJobs);
        projects.forEach((_, index) => {
          const mostHeld = counts[3 * index + 1];
          const mostInTable = counts[3 * index + 2];
          expect(mostInTable).toBeLessThanOrEqual(LIMIT);
          // The limit was reached and held, by the database.
          expect(mostHeld).toBe(LIMIT);
        });
        const unfinished = await fixture.store.db
          .selectFrom("jobs")
          .select(["id", "status"])
          .where("status", "!=", "done")
          .execute();
        expect(unfinished).toEqual([]);
      });
    },
  );
});
