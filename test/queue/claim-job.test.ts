import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { claimJob } from "../../src/queue/claim-job.ts";
import { enqueueJob } from "../../src/queue/enqueue-job.ts";
import { finishJob } from "../../src/queue/finish-job.ts";
import { DATABASES, unavailable } from "../helpers/postgres.ts";
import {
  openStoreFixture,
  type StoreFixture,
  T0,
} from "../runs/store-fixture.ts";

const SECOND = 1000;
const LEASE_MS = 30 * SECOND;

let fixture: StoreFixture;

function at(offsetMs: number): Date {
  return new Date(T0.getTime() + offsetMs);
}

/** A run with a pending job due at `runAt`; answers the job's id. */
async function addJob(projectId: number, runAt = T0): Promise<number> {
  const runId = await fixture.addRun(projectId);
  return enqueueJob(fixture.store.db, {
    kind: "run",
    runId,
    projectId,
    runAt,
  });
}

function claim(now: Date, options: { workerId?: string; limit?: number } = {}) {
  return claimJob(fixture.store.db, {
    workerId: options.workerId ?? "worker-a",
    now,
    leaseMs: LEASE_MS,
    projectConcurrency: options.limit ?? 2,
    dialect: fixture.store.dialect,
  });
}

async function jobRow(id: number) {
  return fixture.store.db
    .selectFrom("jobs")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
}

describe.each(DATABASES)("%s", (database) => {
  describe.skipIf(unavailable(database))("claimJob", () => {
    beforeEach(async () => {
      fixture = await openStoreFixture(database);
    });
    afterEach(async () => fixture.close());
    it("takes a due job with a lease and counts the attempt", async () => {
      const projectId = await fixture.addProject();
      const jobId = await addJob(projectId);

      const job = await claim(T0);

      expect(job).toMatchObject({
        id: jobId,
        kind: "run",
        projectId,
        attempts: 1,
        maxAttempts: 5,
        lockedBy: "worker-a",
      });
      expect(await jobRow(jobId)).toMatchObject({
        status: "running",
        locked_by: "worker-a",
        locked_until: at(LEASE_MS).toISOString(),
        attempts: 1,
      });
    });

    it("leaves a job alone until its run_at", async () => {
      const projectId = await fixture.addProject();
      const jobId = await addJob(projectId, at(10 * SECOND));

      expect(await claim(at(9 * SECOND))).toBeUndefined();
      expect((await jobRow(jobId)).status).toBe("pending");
      expect((await claim(at(10 * SECOND)))?.id).toBe(jobId);
    });

    it("takes the oldest due job first", async () => {
      const projectId = await fixture.addProject();
      const first = await addJob(projectId);
      const second = await addJob(projectId);

      expect((await claim(T0))?.id).toBe(first);
      expect((await claim(T0))?.id).toBe(second);
      expect(await claim(T0)).toBeUndefined();
    });

    it("holds a project to its concurrency limit and serves other projects meanwhile", async () => {
      const busy = await fixture.addProject();
      const other = await fixture.addProject();
      const a1 = await addJob(busy);
      const a2 = await addJob(busy);
      const a3 = await addJob(busy);
      const b1 = await addJob(other);

      const claimed = [
        await claim(T0, { limit: 2 }),
        await claim(T0, { limit: 2 }),
        await claim(T0, { limit: 2 }),
      ];

      expect(claimed.map((job) => job?.id)).toEqual([a1, a2, b1]);
      expect(await claim(T0, { limit: 2 })).toBeUndefined();
      expect((await jobRow(a3)).status).toBe("pending");

      const done = claimed[0];
      if (!done) throw new Error("nothing was claimed");
      await finishJob(fixture.store.db, done, "done", T0);
      expect((await claim(T0, { limit: 2 }))?.id).toBe(a3);
    });

    it("reaches another project's job behind a longer backlog than a claim looks at, of a project at its limit", async () => {
      const full = await fixture.addProject();
      const other = await fixture.addProject();
      // More ready jobs than one claim could ever look at one by one.
      const backlog = 40;
      for (let index = 0; index < backlog; index += 1) await addJob(full);
      const waiting = await addJob(other);

      const first = await claim(T0, { limit: 2 });
      const second = await claim(T0, { limit: 2 });
      const third = await claim(T0, { limit: 2 });

      expect([first?.projectId, second?.projectId]).toEqual([full, full]);
      expect(third?.id).toBe(waiting);
      expect(await claim(T0, { limit: 2 })).toBeUndefined();
    });

    it("does not take a running job whose lease is still held", async () => {
      const projectId = await fixture.addProject();
      await addJob(projectId);
      await claim(T0);

      expect(
        await claim(at(LEASE_MS - 1), { workerId: "worker-b" }),
      ).toBeUndefined();
    });

    it("takes again a running job whose lease lapsed, counting another attempt", async () => {
      const projectId = await fixture.addProject();
      const jobId = await addJob(projectId);
      await claim(T0, { workerId: "worker-dead" });

      const retaken = await claim(at(LEASE_MS + 1), { workerId: "worker-b" });

      expect(retaken).toMatchObject({
        id: jobId,
        attempts: 2,
        lockedBy: "worker-b",
      });
      expect(await jobRow(jobId)).toMatchObject({
        status: "running",
        locked_by: "worker-b",
        locked_until: at(2 * LEASE_MS + 1).toISOString(),
      });
    });

    it("retakes a lapsed job before newer ones, then holds the project's limit", async () => {
      const projectId = await fixture.addProject();
      await addJob(projectId);
      const second = await addJob(projectId);
      await claim(T0, { workerId: "worker-dead", limit: 1 });

      const later = at(LEASE_MS + 1);
      const first = await claim(later, { limit: 1 });

      // The dead worker's job is retaken first; the limit then holds.
      expect(first?.attempts).toBe(2);
      expect(await claim(later, { limit: 1 })).toBeUndefined();
      expect((await jobRow(second)).status).toBe("pending");
    });

    it("never takes a finished job", async () => {
      const projectId = await fixture.addProject();
      for (const status of ["done", "failed", "canceled"] as const) {
        await addJob(projectId);
        const job = await claim(T0, { limit: 10 });
        if (!job) throw new Error("nothing was claimed");
        await finishJob(fixture.store.db, job, status, T0);
      }

      expect(await claim(at(10 * LEASE_MS), { limit: 10 })).toBeUndefined();
    });

    it("gives each of several concurrent claimers a different job", async () => {
      const projectId = await fixture.addProject();
      const ids = [
        await addJob(projectId),
        await addJob(projectId),
        await addJob(projectId),
      ];

      const claimed = await Promise.all(
        ["w1", "w2", "w3", "w4", "w5"].map((workerId) =>
          claim(T0, { workerId, limit: 10 }),
        ),
      );

      const taken = claimed.flatMap((job) => (job ? [job.id] : []));
      expect(taken.sort()).toEqual(ids.sort());
    });
  });
});
