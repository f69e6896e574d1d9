import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  changeRunStatus,
  RUN_STATUSES,
  type RunStatus,
} from "../../src/runs/run-status.ts";
import { DATABASES, unavailable } from "../helpers/postgres.ts";
import { openStoreFixture, type StoreFixture, T0 } from "./store-fixture.ts";

// The run's life as DESIGN.md §5 and the prose at the top of
// run-status.ts tell it, written out independently of the code's table.
const ALLOWED: Record<RunStatus, RunStatus[]> = {
  queued: ["running", "failed", "canceled"],
  running: ["queued", "succeeded", "failed", "canceled"],
  succeeded: [],
  failed: ["queued"],
  canceled: ["queued"],
};

const LATER = new Date(T0.getTime() + 60_000);

let fixture: StoreFixture;
let projectId: number;

async function readRun(runId: number) {
  return fixture.store.db
    .selectFrom("runs")
    .selectAll()
    .where("id", "=", runId)
    .executeTakeFirstOrThrow();
}

const transitions = RUN_STATUSES.flatMap((from) =>
  RUN_STATUSES.map((to) => ({
    from,
    to,
    allowed: ALLOWED[from].includes(to),
  })),
);

describe.each(DATABASES)("%s", (database) => {
  describe.skipIf(unavailable(database))("run statuses", () => {
    beforeAll(async () => {
      fixture = await openStoreFixture(database);
      projectId = await fixture.addProject();
    });
    afterAll(async () => fixture.close());

    describe("changeRunStatus", () => {
      it.each(transitions.filter((transition) => transition.allowed))(
        "moves a $from run to $to",
        async ({ from, to }) => {
          const runId = await fixture.addRun(projectId, from);

          const changed = await changeRunStatus(fixture.store.db, runId, to, {
            at: LATER,
          });

          expect(changed).toBe(true);
          expect((await readRun(runId)).status).toBe(to);
        },
      );

      it.each(transitions.filter((transition) => !transition.allowed))(
        "refuses to move a $from run to $to and leaves it $from",
        async ({ from, to }) => {
          const runId = await fixture.addRun(projectId, from);

          const changed = await changeRunStatus(fixture.store.db, runId, to, {
            at: LATER,
            error: "should not be written",
          });

          const run = await readRun(runId);
          expect(changed).toBe(false);
          expect(run.status).toBe(from);
          expect(run.error).toBeNull();
        },
      );

      it("stamps started_at and clears the error when a run starts", async () => {
        const runId = await fixture.addRun(projectId, "queued");
        await fixture.store.db
          .updateTable("runs")
          .set({ error: "an earlier attempt failed" })
          .where("id", "=", runId)
          .execute();

        await changeRunStatus(fixture.store.db, runId, "running", {
          at: LATER,
        });

        const run = await readRun(runId);
        expect(run.started_at).toBe(LATER.toISOString());
        expect(run.error).toBeNull();
        expect(run.finished_at).toBeNull();
      });

      it("stamps finished_at and records the error when a run fails", async () => {
        const runId = await fixture.addRun(projectId, "running");

        await changeRunStatus(fixture.store.db, runId, "failed", {
          at: LATER,
          error: "git push was refused",
        });

        const run = await readRun(runId);
        expect(run.finished_at).toBe(LATER.toISOString());
        expect(run.error).toBe("git push was refused");
      });

      it("clears finished_at when a canceled run is queued again", async () => {
        const runId = await fixture.addRun(projectId, "running");
        await changeRunStatus(fixture.store.db, runId, "canceled", { at: T0 });

        await changeRunStatus(fixture.store.db, runId, "queued", {
          at: LATER,
          error: null,
        });

        const run = await readRun(runId);
        expect(run.status).toBe("queued");
        expect(run.finished_at).toBeNull();
      });

      it("lets only one of two racing changes from the same status win", async () => {
        const runId = await fixture.addRun(projectId, "running");

        const results = await Promise.all([
          changeRunStatus(fixture.store.db, runId, "succeeded", { at: LATER }),
          changeRunStatus(fixture.store.db, runId, "canceled", { at: LATER }),
        ]);

        expect(results.filter(Boolean)).toHaveLength(1);
        const run = await readRun(runId);
        expect(["succeeded", "canceled"]).toContain(run.status);
      });

      it("answers false for a run that does not exist", async () => {
        expect(
          await changeRunStatus(fixture.store.db, 999_999, "running", {
            at: T0,
          }),
        ).toBe(false);
      });
    });

    describe("changeRunStatus with an expected current status", () => {
      it("lets a worker's retry requeue only a run it is still running", async () => {
        const canceled = await fixture.addRun(projectId, "canceled");
        const running = await fixture.addRun(projectId, "running");

        const requeuedCanceled = await changeRunStatus(
          fixture.store.db,
          canceled,
          "queued",
          {
            at: LATER,
            from: ["running"],
          },
        );
        const requeuedRunning = await changeRunStatus(
          fixture.store.db,
          running,
          "queued",
          {
            at: LATER,
            from: ["running"],
          },
        );

        expect(requeuedCanceled).toBe(false);
        expect((await readRun(canceled)).status).toBe("canceled");
        expect(requeuedRunning).toBe(true);
        expect((await readRun(running)).status).toBe("queued");
      });
    });
  });
});
