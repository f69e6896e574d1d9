import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RefusalLog } from "../../src/ingress/refusal-log.ts";
import { isUniqueViolation } from "../../src/store/dialect.ts";
import { FIRST_DELIVERY_OF_KEY } from "../../src/store/migrations/008-first-delivery-of-key.ts";
import { DATABASES, unavailable } from "../helpers/postgres.ts";
import {
  openStoreFixture,
  type StoreFixture,
  T0,
} from "../runs/store-fixture.ts";

// Migration 008's unique index, which makes deduplication the
// database's decision: one first delivery per trigger and key, any
// number of repeats and refusals beside it, and an error each database
// words its own way but the store layer recognises as this index's.

let fixture: StoreFixture;
let projectId: number;
let triggerId: number;

function insertDelivery(key: string | null, firstOfKey: number) {
  return fixture.store.db
    .insertInto("deliveries")
    .values({
      project_id: projectId,
      trigger_id: triggerId,
      delivery_key: key,
      outcome: firstOfKey ? "accepted" : "duplicate",
      status_code: firstOfKey ? 202 : 200,
      reason: null,
      run_id: null,
      source_ip: null,
      headers: "{}",
      body: null,
      received_at: T0.toISOString(),
      first_of_key: firstOfKey,
    })
    .execute();
}

async function failureOf(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error("the insert was expected to fail");
}

describe.each(DATABASES)("%s", (database) => {
  describe.skipIf(unavailable(database))("the first delivery of a key", () => {
    beforeEach(async () => {
      fixture = await openStoreFixture(database);
      projectId = await fixture.addProject();
      triggerId = await fixture.addTrigger(projectId);
    });
    afterEach(async () => {
      await fixture.close();
    });

    it("refuses a second first delivery of one trigger's key, naming the index", async () => {
      await insertDelivery("id:msg-1", 1);

      const error = await failureOf(insertDelivery("id:msg-1", 1));

      expect(isUniqueViolation(error, FIRST_DELIVERY_OF_KEY)).toBe(true);
      expect(
        isUniqueViolation(error, {
          name: "merge_requests_by_iid",
          table: "merge_requests",
          columns: ["project_id", "iid"],
        }),
      ).toBe(false);
    });

    it("keeps any number of repeats of the key beside its first delivery", async () => {
      await insertDelivery("id:msg-1", 1);
      await insertDelivery("id:msg-1", 0);
      await insertDelivery("id:msg-1", 0);

      const stored = await fixture.store.db
        .selectFrom("deliveries")
        .select("first_of_key")
        .where("delivery_key", "=", "id:msg-1")
        .execute();
      expect(stored.map((row) => row.first_of_key).sort()).toEqual([0, 0, 1]);
    });

    it("records refused and ignored deliveries of one trigger side by side", async () => {
      const log = new RefusalLog(fixture.store.db, pino({ level: "silent" }));
      for (const outcome of ["refused", "ignored", "refused"] as const) {
        log.record({
          project: { id: projectId, path: "acme/project-1" },
          triggerId,
          outcome,
          statusCode: outcome === "refused" ? 401 : 200,
          reason: "test",
          sourceIp: null,
          headers: {},
          body: "{}",
          receivedAt: T0,
        });
      }
      await log.flush();

      const stored = await fixture.store.db
        .selectFrom("deliveries")
        .select(["outcome", "first_of_key"])
        .orderBy("id")
        .execute();
      expect(stored).toEqual([
        { outcome: "refused", first_of_key: 0 },
        { outcome: "ignored", first_of_key: 0 },
        { outcome: "refused", first_of_key: 0 },
      ]);
    });
  });
});
