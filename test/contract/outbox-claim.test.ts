import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { claimMessage } from "../../src/outbox/claim-message.ts";
import { markFailed } from "../../src/outbox/settle-message.ts";
import type { Store } from "../../src/store/database.ts";
import { DATABASES, unavailable } from "../helpers/postgres.ts";
import {
  openStoreFixture,
  type StoreFixture,
  T0,
} from "../runs/store-fixture.ts";
import { openAnotherStore } from "./another-store.ts";

// An outbox message is held by one dispatcher at a time, whichever
// process each dispatcher runs in, and a dead dispatcher's message is
// taken over once its lease lapses.

const SECOND_MS = 1000;
const LEASE_MS = 60 * SECOND_MS;
const HOUR_MS = 3600 * SECOND_MS;

let fixture: StoreFixture;
let other: Store;

function at(offsetMs: number): Date {
  return new Date(T0.getTime() + offsetMs);
}

/** A pending callback message of a new run, due at T0. */
async function addMessage(projectId: number): Promise<number> {
  const runId = await fixture.addRun(projectId);
  const row = await fixture.store.db
    .insertInto("outbox_messages")
    .values({
      run_id: runId,
      project_id: projectId,
      trigger_id: null,
      event: "run.started",
      action: "callback",
      report: JSON.stringify({ event: "run.started", runId }),
      status: "pending",
      next_attempt_at: T0.toISOString(),
      give_up_at: at(HOUR_MS).toISOString(),
      created_at: T0.toISOString(),
      updated_at: T0.toISOString(),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

function claim(store: Store, dispatcherId: string, now: Date) {
  return claimMessage(store.db, {
    dispatcherId,
    now,
    leaseMs: LEASE_MS,
    holding: new Set(),
  });
}

async function messageRow(id: number) {
  return fixture.store.db
    .selectFrom("outbox_messages")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
}

describe.each(DATABASES)("%s", (database) => {
  describe.skipIf(unavailable(database))("claiming outbox messages", () => {
    beforeEach(async () => {
      fixture = await openStoreFixture(database);
      other = await openAnotherStore(fixture);
    });
    afterEach(async () => {
      await other.close();
      await fixture.close();
    });

    it("gives each message to one of several dispatchers on separate connections", {
      timeout: 60_000,
    }, async () => {
      const projectId = await fixture.addProject();
      const ids: number[] = [];
      for (let index = 0; index < 30; index += 1) {
        ids.push(await addMessage(projectId));
      }

      const taken: Array<{ id: number; by: string }> = [];
      const dispatcher = async (store: Store, dispatcherId: string) => {
        // A claim that found its candidates all taken meanwhile answers
        // nothing; the next poll would look again, so this one does too.
        while (taken.length < ids.length) {
          const message = await claim(store, dispatcherId, T0);
          if (message) taken.push({ id: message.id, by: dispatcherId });
          else await new Promise((resolve) => setTimeout(resolve, 2));
        }
      };
      await Promise.all(
        [fixture.store, other].flatMap((store, storeIndex) =>
          ["a", "b", "c"].map((name) =>
            dispatcher(store, `dispatcher-${storeIndex}-${name}`),
          ),
        ),
      );

      expect(taken.map((claimed) => claimed.id).sort((a, b) => a - b)).toEqual(
        ids,
      );
      for (const { id, by } of taken) {
        expect(await messageRow(id)).toMatchObject({
          locked_by: by,
          locked_until: at(LEASE_MS).toISOString(),
          attempts: 1,
        });
      }
      expect(await claim(other, "dispatcher-late", T0)).toBeUndefined();
    });

    it("takes over a message whose dispatcher's lease lapsed, and keeps it from the one that lost it", async () => {
      const projectId = await fixture.addProject();
      const id = await addMessage(projectId);
      const first = await claim(fixture.store, "dispatcher-dead", T0);
      expect(first?.id).toBe(id);

      expect(
        await claim(other, "dispatcher-b", at(LEASE_MS - 1)),
      ).toBeUndefined();
      const retaken = await claim(other, "dispatcher-b", at(LEASE_MS + 1));

      expect(retaken).toMatchObject({
        id,
        attempts: 2,
        locked_by: "dispatcher-b",
        locked_until: at(2 * LEASE_MS + 1).toISOString(),
      });
      if (!first) throw new Error("nothing was claimed");
      // The first dispatcher, late, cannot settle what it no longer holds.
      await markFailed(
        fixture.store.db,
        first,
        { error: "too late", retryAt: at(HOUR_MS / 2) },
        at(LEASE_MS + 2),
        1,
      );
      expect(await messageRow(id)).toMatchObject({
        status: "pending",
        locked_by: "dispatcher-b",
        last_error: null,
      });
    });
  });
});
