import { describe, expect, it } from "vitest";
import { RemoteWakeups } from "../../src/executors/remote/remote-wakeups.ts";

const HOUR_MS = 60 * 60 * 1000;
const live = () => new AbortController().signal;

describe("remote wake-ups", () => {
  it("ends a follower's pause with the news that woke it", async () => {
    const wakeups = new RemoteWakeups();

    const pausing = wakeups.pause("gitlab_duo:7", HOUR_MS, live());
    wakeups.wake("gitlab_duo:7", "flow.completed");

    await expect(pausing).resolves.toBe("flow.completed");
  });

  it("keeps news that came while nobody paused, for the next pause only", async () => {
    const wakeups = new RemoteWakeups();

    wakeups.wake("gitlab_duo:8", "flow.failed");

    await expect(wakeups.pause("gitlab_duo:8", HOUR_MS, live())).resolves.toBe(
      "flow.failed",
    );
    await expect(wakeups.pause("gitlab_duo:8", 5, live())).resolves.toBe(
      undefined,
    );
  });

  it("wakes only the work it names", async () => {
    const wakeups = new RemoteWakeups();

    const other = wakeups.pause("gitlab_duo:9", 20, live());
    wakeups.wake("gitlab_duo:10", "flow.completed");

    await expect(other).resolves.toBe(undefined);
  });

  it("gives up a pause when the run is aborted", async () => {
    const wakeups = new RemoteWakeups();
    const run = new AbortController();

    const pausing = wakeups.pause("gitlab_duo:11", HOUR_MS, run.signal);
    run.abort();

    await expect(pausing).rejects.toThrow();
  });
});
