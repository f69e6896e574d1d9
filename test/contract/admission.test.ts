import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Admission } from "../../src/ingress/admit-delivery.ts";
import type { CommitAdmissions } from "../../src/ingress/commit-admissions.ts";
import { openDirectSqliteCommit } from "../../src/ingress/direct-sqlite-commit.ts";
import { transactionCommit } from "../../src/ingress/transaction-commit.ts";
import { sqliteFile } from "../../src/store/database.ts";
import { DATABASES, unavailable } from "../helpers/postgres.ts";
import {
  openStoreFixture,
  type StoreFixture,
  T0,
} from "../runs/store-fixture.ts";
import { ticketAdmission } from "./ticket-admission.ts";

// The storage side of DESIGN.md §4.3 and §8, on each database through the
// commit that database uses in production: a delivery is stored with its
// run and job, the same delivery again finds that run, and one ticket
// never has two active runs, even when commits race.

let fixture: StoreFixture;
let commit: CommitAdmissions;
let closeCommit: () => void;
let project: { id: number; path: string };
let triggerId: number;

function admission(reference: string, deliveryKey: string): Admission {
  return ticketAdmission({
    project,
    triggerId,
    reference,
    deliveryKey,
    at: T0,
  });
}

async function count(table: "runs" | "jobs" | "deliveries") {
  const row = await fixture.store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function inTurn<T>(starts: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = [];
  for (const start of starts) results.push(await start());
  return results;
}

describe.each(DATABASES)("%s", (database) => {
  describe.skipIf(unavailable(database))("admitting deliveries", () => {
    beforeEach(async () => {
      fixture = await openStoreFixture(database);
      project = {
        id: await fixture.addProject("acme/shop"),
        path: "acme/shop",
      };
      triggerId = await fixture.addTrigger(project.id);
      if (database === "sqlite") {
        const direct = openDirectSqliteCommit(sqliteFile(fixture.dataDir));
        commit = direct.commit;
        closeCommit = direct.close;
      } else {
        commit = transactionCommit(fixture.store.db, "postgres");
        closeCommit = () => {};
      }
    });
    afterEach(async () => {
      closeCommit();
      await fixture.close();
    });

    it("stores a new ticket's delivery with a queued run and a pending job", async () => {
      const [result] = await commit([admission("PROJ-1", "d-1")], T0);

      expect(result?.kind).toBe("accepted");
      const run = await fixture.store.db
        .selectFrom("runs")
        .selectAll()
        .where("id", "=", result?.runId ?? -1)
        .executeTakeFirstOrThrow();
      expect(run).toMatchObject({
        status: "queued",
        external_reference: "PROJ-1",
      });
      const job = await fixture.store.db
        .selectFrom("jobs")
        .selectAll()
        .where("run_id", "=", run.id)
        .executeTakeFirstOrThrow();
      expect(job.status).toBe("pending");
      expect(await count("deliveries")).toBe(1);
    });

    it("answers the same delivery again with the run it started", async () => {
      const [first] = await commit([admission("PROJ-1", "d-1")], T0);
      const [again] = await commit([admission("PROJ-1", "d-1")], T0);

      expect(again).toMatchObject({ kind: "duplicate", runId: first?.runId });
      expect(await count("runs")).toBe(1);
      expect(await count("deliveries")).toBe(2);
    });

    it("joins a second delivery for a ticket whose run is active", async () => {
      const results = await commit(
        [admission("PROJ-1", "d-1"), admission("PROJ-1", "d-2")],
        T0,
      );

      expect(results.map((result) => result.kind)).toEqual([
        "accepted",
        "joined",
      ]);
      expect(results[1]?.runId).toBe(results[0]?.runId);
      expect(await count("jobs")).toBe(1);
    });

    it("decides a batch's deliveries as if they were committed one by one", async () => {
      const results = await commit(
        [
          admission("PROJ-1", "d-1"),
          admission("PROJ-1", "d-1"),
          admission("PROJ-1", "d-2"),
          admission("PROJ-2", "d-3"),
        ],
        T0,
      );

      expect(results.map((result) => result.kind)).toEqual([
        "accepted",
        "duplicate",
        "joined",
        "accepted",
      ]);
      const [first, second, third, fourth] = results;
      expect(second?.runId).toBe(first?.runId);
      expect(third?.runId).toBe(first?.runId);
      expect(fourth?.runId).not.toBe(first?.runId);
      expect(new Set(results.map((result) => result.deliveryId)).size).toBe(4);
      const deliveries = await fixture.store.db
        .selectFrom("deliveries")
        .select(["id", "delivery_key", "outcome", "run_id"])
        .orderBy("id")
        .execute();
      expect(deliveries.map((d) => [d.id, d.delivery_key, d.run_id])).toEqual(
        results.map((result, index) => [
          result.deliveryId,
          ["d-1", "d-1", "d-2", "d-3"][index],
          result.runId,
        ]),
      );
      expect(await count("jobs")).toBe(2);
    });

    it("keeps one active run per ticket when commits for it race", async () => {
      // On SQLite the batcher commits one batch at a time; on PostgreSQL
      // several commit at once, as do other processes.
      const racing = Array.from(
        { length: 8 },
        (_, index) => () =>
          commit(
            [
              admission(`PROJ-${index % 2}`, `race-${index}`),
              admission("PROJ-9", `race-9-${index}`),
            ],
            T0,
          ),
      );
      const outcomes =
        database === "sqlite"
          ? await inTurn(racing)
          : await Promise.all(racing.map((start) => start()));

      const results = outcomes.flat();
      const accepted = results.filter((result) => result.kind === "accepted");
      expect(accepted).toHaveLength(3);
      expect(await count("runs")).toBe(3);
      const joined = results.filter((result) => result.kind === "joined");
      expect(joined).toHaveLength(results.length - 3);
      const runIds = new Set(accepted.map((result) => result.runId));
      for (const result of joined) expect(runIds.has(result.runId)).toBe(true);
    });
  });
});
