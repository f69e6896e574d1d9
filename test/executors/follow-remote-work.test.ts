import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  followRemoteWork,
  type WorkStatus,
} from "../../src/executors/remote/follow-remote-work.ts";
import {
  openStoreFixture,
  type StoreFixture,
  T0,
} from "../runs/store-fixture.ts";

// The follower's limits on a clock the test moves: each status read
// advances it by a minute, so hours pass in a few milliseconds.

const MINUTE_MS = 60 * 1000;

let fixture: StoreFixture;
let runId: number;
beforeEach(async () => {
  fixture = await openStoreFixture();
  runId = await fixture.addRun(await fixture.addProject(), "running");
});
afterEach(async () => fixture.close());

/** Follows work whose reads answer `statuses` in turn, a minute apart. */
function follow(
  statuses: WorkStatus[],
  limits: { working: number; waiting: number },
) {
  let now = T0.getTime();
  let reads = 0;
  return followRemoteWork({
    db: fixture.store.db,
    now: () => new Date(now),
    runId,
    executor: "gitlab_duo",
    work: { id: 12, url: "https://gitlab.example.com/flows/12" },
    read: async () => {
      now += MINUTE_MS;
      const status = statuses[Math.min(reads, statuses.length - 1)];
      reads += 1;
      return status as WorkStatus;
    },
    signal: new AbortController().signal,
    workingLimitMs: limits.working * MINUTE_MS,
    waitingLimitMs: limits.waiting * MINUTE_MS,
    actionFor: () => "answer the flow in GitLab",
    delays: { firstMs: 1, maxMs: 1 },
  });
}

const running: WorkStatus = { status: "running", phase: "working" };
const asking: WorkStatus = { status: "input_required", phase: "waiting" };
const finished: WorkStatus = { status: "finished", phase: "succeeded" };

async function timeline() {
  return fixture.store.db
    .selectFrom("run_events")
    .select(["kind", "details"])
    .where("run_id", "=", runId)
    .orderBy("id")
    .execute();
}

describe("following remote work", () => {
  it("notes each change of status once and ends when the work is done", async () => {
    const outcome = await follow([running, running, running, finished], {
      working: 60,
      waiting: 60,
    });

    expect(outcome).toEqual({ kind: "done", status: finished });
    const events = await timeline();
    expect(events.map((event) => JSON.parse(event.details).status)).toEqual([
      "running",
      "finished",
    ]);
  });

  it("gives up when a person has not answered within the waiting limit", async () => {
    const outcome = await follow([running, asking], {
      working: 60,
      waiting: 5,
    });

    expect(outcome).toMatchObject({
      kind: "timed_out",
      waiting: true,
      limitMs: 5 * MINUTE_MS,
      status: asking,
    });
    const asked = (await timeline()).filter(
      (event) => event.kind === "action_required",
    );
    expect(asked).toHaveLength(1);
    expect(JSON.parse(asked[0]?.details ?? "{}")).toMatchObject({
      status: "input_required",
      action: "answer the flow in GitLab",
      url: "https://gitlab.example.com/flows/12",
    });
  });

  it("does not count the time spent waiting for a person as work", async () => {
    // 3 minutes of work, 10 of waiting, then more work: the working
    // limit of 8 minutes is reached only by the work.
    const statuses = [
      running,
      running,
      running,
      ...Array.from({ length: 10 }, () => asking),
      running,
    ];
    const outcome = await follow(statuses, { working: 8, waiting: 30 });

    expect(outcome).toMatchObject({ kind: "timed_out", waiting: false });
    const changes = (await timeline()).filter(
      (event) => event.kind === "remote_status",
    );
    expect(changes.map((event) => JSON.parse(event.details).status)).toEqual([
      "running",
      "input_required",
      "running",
    ]);
  });
});
