import { describe, expect, it } from "vitest";
import { RemoteWakeups } from "../../src/executors/remote/remote-wakeups.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { LogCapture } from "../helpers/log-capture.ts";

const MINUTE_MS = 60 * 1000;
const HOUR_MS = 60 * MINUTE_MS;
const live = () => new AbortController().signal;

function wakeupsWith(options: {
  broadcast?: (message: string) => Promise<void>;
  monotonicMs?: () => number;
}) {
  const logs = new LogCapture();
  const wakeups = new RemoteWakeups({
    logger: createLogger("info", logs),
    ...options,
  });
  return { wakeups, logs };
}

describe("remote wake-ups", () => {
  it("ends a follower's pause with the news that woke it", async () => {
    const { wakeups } = wakeupsWith({});

    const pausing = wakeups.pause("gitlab_duo:7", HOUR_MS, live());
    wakeups.wake("gitlab_duo:7", "flow.completed");

    await expect(pausing).resolves.toBe("flow.completed");
  });

  it("keeps news that came while nobody paused, for the next pause only", async () => {
    const { wakeups } = wakeupsWith({});

    wakeups.wake("gitlab_duo:8", "flow.failed");

    await expect(wakeups.pause("gitlab_duo:8", HOUR_MS, live())).resolves.toBe(
      "flow.failed",
    );
    await expect(wakeups.pause("gitlab_duo:8", 5, live())).resolves.toBe(
      undefined,
    );
  });

  it("drops kept news once it is older than a minute", async () => {
    let nowMs = 0;
    const { wakeups } = wakeupsWith({ monotonicMs: () => nowMs });

    wakeups.wake("gitlab_duo:12", "flow.completed");
    nowMs += 2 * MINUTE_MS;

    await expect(wakeups.pause("gitlab_duo:12", 5, live())).resolves.toBe(
      undefined,
    );
  });

  it("wakes only the work it names", async () => {
    const { wakeups } = wakeupsWith({});

    const other = wakeups.pause("gitlab_duo:9", 20, live());
    wakeups.wake("gitlab_duo:10", "flow.completed");

    await expect(other).resolves.toBe(undefined);
  });

  it("gives up a pause when the run is aborted", async () => {
    const { wakeups } = wakeupsWith({});
    const run = new AbortController();

    const pausing = wakeups.pause("gitlab_duo:11", HOUR_MS, run.signal);
    run.abort();

    await expect(pausing).rejects.toThrow();
  });
});

describe("remote wake-ups between processes", () => {
  it("hands an announced wake to another process's follower", async () => {
    const sent: string[] = [];
    const { wakeups: api } = wakeupsWith({
      broadcast: async (message) => {
        sent.push(message);
      },
    });
    const { wakeups: worker } = wakeupsWith({});

    const pausing = worker.pause("gitlab_duo:20", HOUR_MS, live());
    await api.announce("gitlab_duo:20", "flow.completed");
    for (const message of sent) worker.receive(message);

    await expect(pausing).resolves.toBe("flow.completed");
  });

  it("wakes its own follower once when its announcement comes back to it", async () => {
    const sent: string[] = [];
    const { wakeups } = wakeupsWith({
      broadcast: async (message) => {
        sent.push(message);
      },
    });

    const pausing = wakeups.pause("gitlab_duo:21", HOUR_MS, live());
    await wakeups.announce("gitlab_duo:21", "flow.completed");
    await expect(pausing).resolves.toBe("flow.completed");
    for (const message of sent) wakeups.receive(message);

    await expect(wakeups.pause("gitlab_duo:21", 5, live())).resolves.toBe(
      undefined,
    );
  });

  it("still wakes its own follower, and logs, when the broadcast fails", async () => {
    const { wakeups, logs } = wakeupsWith({
      broadcast: async () => {
        throw new Error("Connection terminated unexpectedly");
      },
    });

    const pausing = wakeups.pause("gitlab_duo:22", HOUR_MS, live());
    await expect(
      wakeups.announce("gitlab_duo:22", "flow.failed"),
    ).resolves.toBeUndefined();

    await expect(pausing).resolves.toBe("flow.failed");
    const warning = logs.entries().find((entry) => entry.level === 40);
    expect(warning?.msg).toContain("could not pass news of remote work");
    expect(warning?.key).toBe("gitlab_duo:22");
  });

  it("ignores, with a warning, a notification it did not send", async () => {
    const { wakeups, logs } = wakeupsWith({});

    const pausing = wakeups.pause("gitlab_duo:23", 20, live());
    wakeups.receive(JSON.stringify({ key: "gitlab_duo:23", reason: "x" }));
    wakeups.receive("not json");

    await expect(pausing).resolves.toBe(undefined);
    const warnings = logs.entries().filter((entry) => entry.level === 40);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]?.msg).toContain("a form Flowgate does not send");
  });
});
