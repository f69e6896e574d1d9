import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Admission } from "../../src/ingress/admit-delivery.ts";
import type { CommitAdmissions } from "../../src/ingress/commit-admissions.ts";
import { openDirectSqliteCommit } from "../../src/ingress/direct-sqlite-commit.ts";
import { transactionCommit } from "../../src/ingress/transaction-commit.ts";
import { finishRun } from "../../src/runs/finish-run.ts";
import { sqliteFile } from "../../src/store/database.ts";
import { countValue } from "../../src/store/dialect.ts";
import { DATABASES, unavailable } from "../helpers/postgres.ts";
import {
  openStoreFixture,
  type StoreFixture,
  T0,
} from "../runs/store-fixture.ts";
import { ticketAdmission } from "./ticket-admission.ts";

// DESIGN.md §8, "acknowledged means durable", for a mention comment that
// joins a run as the run ends: its instruction must reach the run's
// final transaction, which hands pending follow-ups on to a new run, or
// the delivery must see the run ended and join or start the next one.
// Never may it join a run that has ended.

const WAIT_MS = 10_000;
const T1 = new Date(T0.getTime() + 60_000);

let fixture: StoreFixture;
let commit: CommitAdmissions;
let closeCommit: () => void;
let url: string | undefined;
let project: { id: number; path: string };
let triggerId: number;
let runId: number;

function mention(deliveryKey: string, instruction: string): Admission {
  return ticketAdmission({
    project,
    triggerId,
    reference: "PROJ-1",
    deliveryKey,
    at: T1,
    followUp: { instruction, author: "ana" },
  });
}

async function admit(deliveryKey: string, instruction: string) {
  const [result] = await commit([mention(deliveryKey, instruction)], T1);
  if (!result) throw new Error("the commit answered no result");
  return result;
}

function finish(status: "succeeded" | "failed" = "succeeded") {
  return finishRun(fixture.store.db, {
    runId,
    projectId: project.id,
    status,
    error: status === "failed" ? "the model stopped answering" : null,
    at: T1,
    publicUrl: "http://flowgate.test",
  });
}

/** A follow-up the run's last round did not read, stored earlier. */
async function addPendingFollowUp(instruction: string) {
  await fixture.store.db
    .insertInto("run_follow_ups")
    .values({
      run_id: runId,
      instruction,
      author: "ana",
      delivery_key: "earlier",
      created_at: T0.toISOString(),
      consumed_at: null,
    })
    .execute();
}

function followUps() {
  return fixture.store.db
    .selectFrom("run_follow_ups")
    .select(["run_id", "instruction", "consumed_at"])
    .orderBy("id")
    .execute();
}

function runsOfTicket() {
  return fixture.store.db
    .selectFrom("runs")
    .select(["id", "status"])
    .where("external_reference", "=", "PROJ-1")
    .orderBy("id")
    .execute();
}

async function eventsOf(id: number) {
  const rows = await fixture.store.db
    .selectFrom("run_events")
    .select(["kind", "details"])
    .where("run_id", "=", id)
    .orderBy("id")
    .execute();
  return rows.map((row) => ({ kind: row.kind, ...JSON.parse(row.details) }));
}

/**
 * Makes `first` wait inside its transaction at its first write to
 * `table`, then starts `second` and lets both go once it waits too (on
 * a lock `first` holds, if the code takes one). On SQLite, whose
 * transactions never overlap, `first` simply commits before `second`.
 */
async function interleave<A, B>(
  table: "run_follow_ups" | "jobs" | "audit_events",
  first: () => Promise<A>,
  second: () => Promise<B>,
): Promise<[A, B]> {
  if (url === undefined) return [await first(), await second()];
  const blocker = new pg.Client({ connectionString: url });
  await blocker.connect();
  try {
    await blocker.query("begin");
    await blocker.query(`lock table ${table} in exclusive mode`);
    const a = settling(first());
    await waitForLockWaits(blocker, 1, [a]);
    const b = settling(second());
    await waitForLockWaits(blocker, 2, [a, b]);
    await blocker.query("commit");
    return [await a.promise, await b.promise];
  } finally {
    await blocker.end();
  }
}

interface Settling<T> {
  promise: Promise<T>;
  settled: boolean;
}

function settling<T>(promise: Promise<T>): Settling<T> {
  const tracked: Settling<T> = { promise, settled: false };
  promise.then(
    () => {
      tracked.settled = true;
    },
    () => {
      tracked.settled = true;
    },
  );
  return tracked;
}

/** Until `count` transactions wait on a lock, or one of `racing` ended
 * without waiting (then the assertions say what it did). */
async function waitForLockWaits(
  blocker: pg.Client,
  count: number,
  racing: Settling<unknown>[],
): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    // Inside the blocker's transaction the statistics views keep their
    // first answer unless told to read afresh.
    await blocker.query("select pg_stat_clear_snapshot()");
    const { rows } = await blocker.query<{ waiting: string }>(
      `select count(*) as waiting from pg_stat_activity
       where datname = current_database() and wait_event_type = 'Lock'`,
    );
    if (countValue(rows[0]?.waiting) >= count) return;
    if (racing.some((tracked) => tracked.settled)) return;
    if (Date.now() > deadline) {
      throw new Error(`${count} transactions never waited on a lock`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(DATABASES)("%s", (database) => {
  describe.skipIf(unavailable(database))(
    "a mention joining a run as it ends",
    () => {
      beforeEach(async () => {
        fixture = await openStoreFixture(database);
        project = {
          id: await fixture.addProject("acme/shop"),
          path: "acme/shop",
        };
        triggerId = await fixture.addTrigger(project.id);
        runId = await fixture.addRun(project.id, "running");
        if (database === "sqlite") {
          url = undefined;
          const direct = openDirectSqliteCommit(sqliteFile(fixture.dataDir));
          commit = direct.commit;
          closeCommit = direct.close;
        } else {
          url = fixture.store.pool?.options.connectionString;
          commit = transactionCommit(fixture.store.db, "postgres");
          closeCommit = () => {};
        }
      });
      afterEach(async () => {
        closeCommit();
        await fixture.close();
      });

      it("hands a follow-up the join committed first on to a new run", async () => {
        // The join holds its lock on the run while it waits; the final
        // transaction's status change must wait for it to commit.
        const [joined, ended] = await interleave(
          "run_follow_ups",
          () => admit("c-1", "Also update the changelog"),
          () => finish(),
        );

        expect(joined).toMatchObject({ kind: "joined", runId });
        expect(ended.changed && ended.handedOnTo).toBeTypeOf("number");
        const heir = ended.changed ? ended.handedOnTo : undefined;
        expect(await runsOfTicket()).toEqual([
          { id: runId, status: "succeeded" },
          { id: heir, status: "queued" },
        ]);
        expect(await followUps()).toEqual([
          {
            run_id: heir,
            instruction: "Also update the changelog",
            consumed_at: null,
          },
        ]);
        const job = await fixture.store.db
          .selectFrom("jobs")
          .select(["status", "project_id"])
          .where("run_id", "=", heir ?? -1)
          .executeTakeFirst();
        expect(job).toEqual({ status: "pending", project_id: project.id });
        expect((await eventsOf(runId)).map((event) => event.kind)).toEqual([
          "follow_up",
          "finished",
          "follow_ups_handed_on",
        ]);
        expect((await eventsOf(runId)).at(-1)).toMatchObject({
          run_id: heir,
          follow_ups: 1,
        });
        expect(await eventsOf(heir ?? -1)).toEqual([
          {
            kind: "follow_ups_taken_over",
            from_run_id: runId,
            follow_ups: 1,
          },
        ]);
      });

      it("joins the run that took the follow-ups over when the final transaction committed first", async () => {
        await addPendingFollowUp("Cover refunds");

        // The final transaction waits at its new run's job; the join
        // has read the run as active by then, and must not join it.
        const [ended, joined] = await interleave(
          "jobs",
          () => finish(),
          () => admit("c-2", "Also update the changelog"),
        );

        const heir = ended.changed ? ended.handedOnTo : undefined;
        expect(heir).toBeTypeOf("number");
        expect(joined).toMatchObject({ kind: "joined", runId: heir });
        expect(await runsOfTicket()).toEqual([
          { id: runId, status: "succeeded" },
          { id: heir, status: "queued" },
        ]);
        expect(await followUps()).toEqual([
          { run_id: heir, instruction: "Cover refunds", consumed_at: null },
          {
            run_id: heir,
            instruction: "Also update the changelog",
            consumed_at: null,
          },
        ]);
      });

      it("starts a new run when the run ended with nothing to hand on", async () => {
        // The final transaction waits at its audit event, the join at its
        // lookup of the run.
        const [ended, started] = await interleave(
          "audit_events",
          () => finish(),
          () => admit("c-3", "Also update the changelog"),
        );

        expect(ended).toEqual({ changed: true, handedOnTo: undefined });
        expect(started.kind).toBe("accepted");
        expect(await runsOfTicket()).toEqual([
          { id: runId, status: "succeeded" },
          { id: started.runId, status: "queued" },
        ]);
        expect((await followUps())[0]?.run_id).toBe(started.runId);
      });

      it("keeps the pending follow-ups on a run that failed, for its retry", async () => {
        await addPendingFollowUp("Cover refunds");

        expect(await finish("failed")).toEqual({
          changed: true,
          handedOnTo: undefined,
        });
        expect(await runsOfTicket()).toEqual([{ id: runId, status: "failed" }]);
        expect((await followUps())[0]?.run_id).toBe(runId);
      });

      it("hands nothing on from a run canceled before it could finish", async () => {
        await addPendingFollowUp("Cover refunds");
        await fixture.store.db
          .updateTable("runs")
          .set({ status: "canceled" })
          .where("id", "=", runId)
          .execute();

        expect(await finish()).toEqual({ changed: false });
        expect(await runsOfTicket()).toEqual([
          { id: runId, status: "canceled" },
        ]);
        expect((await followUps())[0]?.run_id).toBe(runId);
      });
    },
  );
});
