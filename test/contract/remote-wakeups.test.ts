import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RemoteWakeups } from "../../src/executors/remote/remote-wakeups.ts";
import { JobListener } from "../../src/queue/job-listener.ts";
import type { Store } from "../../src/store/database.ts";
import { notifyWake } from "../../src/store/dialect.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { LogCapture } from "../helpers/log-capture.ts";
import { unavailable } from "../helpers/postgres.ts";
import { openStoreFixture, type StoreFixture } from "../runs/store-fixture.ts";
import { databaseUrl, openAnotherStore } from "./another-store.ts";

// On PostgreSQL a GitLab flow callback received by one process (an api
// process, say) wakes the flow's follower in another (a worker): the
// wake travels as a NOTIFY and arrives on the job listener's connection.
// SQLite has one process, whose followers the callback wakes directly
// (test/executors/gitlab-duo-callback.test.ts).

// Far beyond the test's time-out: only a wake can end such a pause.
const HOUR_MS = 60 * 60 * 1000;

let fixture: StoreFixture;
let workerStore: Store;
let listener: JobListener | undefined;

async function waitFor(condition: () => boolean, what: string) {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** RemoteWakeups as app.ts wires them, sending through `store`. */
function wakeupsOn(store: Store, logs: LogCapture): RemoteWakeups {
  return new RemoteWakeups({
    logger: createLogger("info", logs),
    broadcast: (message) => notifyWake(store.db, store.dialect, message),
  });
}

/** Listens as a worker process does, counting the wakes it hears. */
async function listenFor(wakeups: RemoteWakeups, logs: LogCapture) {
  const url = databaseUrl(fixture);
  if (!url) throw new Error("the fixture has no PostgreSQL URL");
  const heard = { connects: 0, wakes: 0 };
  listener = new JobListener(
    url,
    {
      onJob: () => {
        heard.connects += 1;
      },
      onWake: (message) => {
        heard.wakes += 1;
        wakeups.receive(message);
      },
    },
    createLogger("info", logs),
  );
  listener.start();
  // Once listening, the listener calls onJob for what it missed.
  await waitFor(() => heard.connects > 0, "for the listener to connect");
  return heard;
}

const live = () => new AbortController().signal;

describe.skipIf(unavailable("postgres"))(
  "remote wake-ups across processes on PostgreSQL",
  () => {
    beforeEach(async () => {
      fixture = await openStoreFixture("postgres");
      workerStore = await openAnotherStore(fixture);
    });
    afterEach(async () => {
      await listener?.stop();
      listener = undefined;
      await workerStore.close();
      await fixture.close();
    });

    it("ends a pause in another process with the news announced in this one", async () => {
      const logs = new LogCapture();
      const api = wakeupsOn(fixture.store, logs);
      const worker = wakeupsOn(workerStore, logs);
      await listenFor(worker, logs);

      const pausing = worker.pause("gitlab_duo:31", HOUR_MS, live());
      await api.announce("gitlab_duo:31", "flow.completed");

      // A pause that ran out answers undefined; a wake answers its news.
      await expect(pausing).resolves.toBe("flow.completed");
      expect(logs.entries().filter((line) => line.level === 40)).toEqual([]);
    });

    it("wakes a follower in the announcing process once, though its own notification comes back", async () => {
      const logs = new LogCapture();
      const all = wakeupsOn(workerStore, logs);
      const heard = await listenFor(all, logs);

      const pausing = all.pause("gitlab_duo:32", HOUR_MS, live());
      await all.announce("gitlab_duo:32", "flow.failed");
      await expect(pausing).resolves.toBe("flow.failed");
      await waitFor(() => heard.wakes === 1, "for its own notification");

      await expect(all.pause("gitlab_duo:32", 5, live())).resolves.toBe(
        undefined,
      );
    });
  },
);
