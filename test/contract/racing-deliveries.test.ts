import pg from "pg";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AdmissionThread } from "../../src/ingress/admission-thread.ts";
import type {
  Admission,
  AdmissionResult,
} from "../../src/ingress/admit-delivery.ts";
import type { CommitAdmissions } from "../../src/ingress/commit-admissions.ts";
import { transactionCommit } from "../../src/ingress/transaction-commit.ts";
import { openStore, type Store } from "../../src/store/database.ts";
import { countValue } from "../../src/store/dialect.ts";
import { DATABASES, unavailable } from "../helpers/postgres.ts";
import {
  openStoreFixture,
  type StoreFixture,
  T0,
} from "../runs/store-fixture.ts";
import { ticketAdmission } from "./ticket-admission.ts";

// DESIGN.md §8, "the same delivery twice starts one run", when the two
// copies reach two API processes at the same moment: each process's
// commit, on its own connection, admits the copy it got. The database
// must let one of them be the first of its key and make the other a
// duplicate, with the mention comment's instruction stored once.

const WAIT_MS = 10_000;

let fixture: StoreFixture;
let project: { id: number; path: string };
let triggerId: number;
let commits: [CommitAdmissions, CommitAdmissions];
let closeCommits: () => Promise<void>;
let url: string | undefined;

function mention(reference: string, deliveryKey: string): Admission {
  return ticketAdmission({
    project,
    triggerId,
    reference,
    deliveryKey,
    at: T0,
    followUp: { instruction: "Also update the changelog", author: "ana" },
  });
}

async function count(
  table: "runs" | "jobs" | "deliveries" | "run_follow_ups" | "run_events",
) {
  const row = await fixture.store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .executeTakeFirstOrThrow();
  return countValue(row.n);
}

/**
 * Holds every insert into `deliveries` back (PostgreSQL) until both
 * commits wait, so that each has looked the delivery up and found
 * nothing before either stores it: the race, made certain.
 */
async function raceOnPostgres(
  start: () => Promise<AdmissionResult[][]>,
): Promise<AdmissionResult[][]> {
  const blocker = new pg.Client({ connectionString: url });
  await blocker.connect();
  try {
    await blocker.query("begin");
    await blocker.query("lock table deliveries in exclusive mode");
    const racing = start();
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const { rows } = await blocker.query<{ waiting: string }>(
        `select count(*) as waiting from pg_stat_activity
         where datname = current_database() and wait_event_type = 'Lock'`,
      );
      if (countValue(rows[0]?.waiting) >= 2) break;
      if (Date.now() > deadline) {
        throw new Error("the two commits never both waited on the lock");
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await blocker.query("commit");
    return await racing;
  } finally {
    await blocker.end();
  }
}

function bothAdmit(admission: Admission): Promise<AdmissionResult[][]> {
  const start = () =>
    Promise.all(commits.map((commit) => commit([admission], T0)));
  return url === undefined ? start() : raceOnPostgres(start);
}

describe.each(DATABASES)("%s", (database) => {
  describe.skipIf(unavailable(database))(
    "the same delivery at two processes at once",
    () => {
      beforeEach(async () => {
        fixture = await openStoreFixture(database);
        project = {
          id: await fixture.addProject("acme/shop"),
          path: "acme/shop",
        };
        triggerId = await fixture.addTrigger(project.id);
        if (database === "sqlite") {
          // Two admission threads: two connections to one file, as the
          // production commit has it.
          url = undefined;
          const logger = pino({ level: "silent" });
          const options = { dataDir: fixture.dataDir, databaseUrl: undefined };
          const threads = await Promise.all([
            AdmissionThread.start(options, logger),
            AdmissionThread.start(options, logger),
          ]);
          commits = [threads[0].commit, threads[1].commit];
          closeCommits = async () => {
            await Promise.all(threads.map((thread) => thread.close()));
          };
        } else {
          url = fixture.store.pool?.options.connectionString;
          const other: Store = await openStore({
            dataDir: fixture.dataDir,
            databaseUrl: url,
          });
          commits = [
            transactionCommit(fixture.store.db, "postgres"),
            transactionCommit(other.db, "postgres"),
          ];
          closeCommits = () => other.close();
        }
      });
      afterEach(async () => {
        await closeCommits();
        await fixture.close();
      });

      it("starts one run and records the other copy as its duplicate", async () => {
        const results = (await bothAdmit(mention("PROJ-1", "d-1"))).flat();

        expect(results.map((result) => result.kind).sort()).toEqual([
          "accepted",
          "duplicate",
        ]);
        expect(results[0]?.runId).toBe(results[1]?.runId);
        expect(await count("runs")).toBe(1);
        expect(await count("jobs")).toBe(1);
        expect(await count("run_follow_ups")).toBe(1);
        const deliveries = await fixture.store.db
          .selectFrom("deliveries")
          .select(["reason", "first_of_key", "run_id"])
          .orderBy("first_of_key", "desc")
          .execute();
        expect(deliveries).toEqual([
          { reason: null, first_of_key: 1, run_id: results[0]?.runId },
          {
            reason: "the same delivery was received before",
            first_of_key: 0,
            run_id: results[0]?.runId,
          },
        ]);
      });

      it("joins an active run once with a mention comment sent to both", async () => {
        const active = await fixture.addRun(project.id);

        const results = (await bothAdmit(mention("PROJ-1", "c-7"))).flat();

        expect(results.map((result) => result.kind).sort()).toEqual([
          "duplicate",
          "joined",
        ]);
        expect(results.map((result) => result.runId)).toEqual([active, active]);
        const followUps = await fixture.store.db
          .selectFrom("run_follow_ups")
          .select(["run_id", "instruction", "delivery_key"])
          .execute();
        expect(followUps).toEqual([
          {
            run_id: active,
            instruction: "Also update the changelog",
            delivery_key: "c-7",
          },
        ]);
        expect(await count("run_events")).toBe(1);
        expect(await count("deliveries")).toBe(2);
      });

      it("still admits the copies of different deliveries side by side", async () => {
        const [first, second] = await Promise.all([
          commits[0]([mention("PROJ-1", "d-1")], T0),
          commits[1]([mention("PROJ-2", "d-2")], T0),
        ]);

        expect([first?.[0]?.kind, second?.[0]?.kind]).toEqual([
          "accepted",
          "accepted",
        ]);
        expect(await count("runs")).toBe(2);
        expect(await count("run_follow_ups")).toBe(2);
      });
    },
  );
});
