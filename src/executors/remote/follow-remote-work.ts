import { setTimeout as delay } from "node:timers/promises";
import type { Clock } from "../../clock.ts";
import { enqueueReports } from "../../outbox/enqueue-reports.ts";
import { recordTimelineEvent } from "../../runs/timeline.ts";
import type { Db } from "../../store/database.ts";
import type { RemoteWorkRef } from "./start-once.ts";

const SECOND_MS = 1000;
const FIRST_DELAY_MS = 1 * SECOND_MS;
const MAX_DELAY_MS = 15 * SECOND_MS;

/** Where remote work is: still at it, waiting for a person, or done. */
export type WorkPhase = "working" | "waiting" | "succeeded" | "failed";

export interface WorkStatus {
  /** GitLab's name of the status, lower case. */
  status: string;
  phase: WorkPhase;
  /** What GitLab says of it, for the timeline and a failure. */
  message?: string | undefined;
}

export interface FollowOptions {
  db: Db;
  now: Clock;
  runId: number;
  executor: string;
  work: RemoteWorkRef;
  read(signal: AbortSignal): Promise<WorkStatus>;
  signal: AbortSignal;
  /** How long the work may take, time spent waiting for a person aside. */
  workingLimitMs: number;
  /** How long each wait for a person may last. */
  waitingLimitMs: number;
  /** What a person must do in GitLab, for the `action_required` event. */
  actionFor(status: WorkStatus): string;
  delays?: { firstMs: number; maxMs: number } | undefined;
  /** Tells the ticket when the work waits for a person; absent, only
   * the timeline says so. */
  reporting?: RemoteReporting | undefined;
  /** Pauses between reads, cut short by news of the work (a GitLab
   * callback); answers the news. A plain timer when absent. */
  pause?:
    | ((ms: number, signal: AbortSignal) => Promise<string | undefined>)
    | undefined;
}

/** How a wait for a person reaches the ticket (reporting back). */
export interface RemoteReporting {
  publicUrl: string;
  /** Called after messages were queued: wakes the dispatcher. */
  onReports(): void;
}

export type FollowOutcome =
  | { kind: "done"; status: WorkStatus }
  | {
      kind: "timed_out";
      status: WorkStatus;
      /** True when the time ran out waiting for a person. */
      waiting: boolean;
      limitMs: number;
    };

/**
 * Reads the work's status until it is done or a limit is reached: at
 * once, then after 1 s, doubling to 15 s between reads (from the start
 * again after each change). Each change goes to the run's timeline,
 * and a wait for a person as `action_required` with what to do where,
 * which is also reported to the ticket (the `action_required` sync
 * event) in the same transaction.
 * The run's abort signal ends the wait between reads, and news of the
 * work (a GitLab flow callback) ends it early: the status change read
 * after it says so (`after_callback`).
 */
export async function followRemoteWork(
  options: FollowOptions,
): Promise<FollowOutcome> {
  const { now, signal } = options;
  const firstMs = options.delays?.firstMs ?? FIRST_DELAY_MS;
  const maxMs = options.delays?.maxMs ?? MAX_DELAY_MS;
  let pause = firstMs;
  let previous: string | undefined;
  let workedMs = 0;
  let waitedMs = 0;
  let lastRead = now().getTime();
  let lastPhase: WorkPhase = "working";
  let news: string | undefined;

  for (;;) {
    signal.throwIfAborted();
    const status = await options.read(signal);
    const readAt = now().getTime();
    const elapsed = readAt - lastRead;
    if (lastPhase === "waiting") waitedMs += elapsed;
    else workedMs += elapsed;
    if (status.phase !== "waiting") waitedMs = 0;
    lastRead = readAt;
    lastPhase = status.phase;

    if (status.status !== previous) {
      await noteChange(options, status, news);
      previous = status.status;
      pause = firstMs;
      // A new question for a person gets the whole time again.
      waitedMs = 0;
    }
    if (status.phase === "succeeded" || status.phase === "failed") {
      return { kind: "done", status };
    }
    if (status.phase === "waiting" && waitedMs > options.waitingLimitMs) {
      return {
        kind: "timed_out",
        status,
        waiting: true,
        limitMs: options.waitingLimitMs,
      };
    }
    if (workedMs > options.workingLimitMs) {
      return {
        kind: "timed_out",
        status,
        waiting: false,
        limitMs: options.workingLimitMs,
      };
    }

    news = options.pause
      ? await options.pause(pause, signal)
      : await delay(pause, undefined, { signal });
    pause = news === undefined ? Math.min(pause * 2, maxMs) : firstMs;
  }
}

async function noteChange(
  options: FollowOptions,
  status: WorkStatus,
  news: string | undefined,
): Promise<void> {
  const at = options.now();
  const { executor, work, runId, reporting } = options;
  const about = {
    executor,
    id: work.id,
    status: status.status,
    ...(status.message ? { message: status.message } : {}),
  };
  const reported = await options.db.transaction().execute(async (trx) => {
    await recordTimelineEvent(trx, runId, {
      kind: "remote_status",
      at,
      details: { ...about, ...(news ? { after_callback: news } : {}) },
    });
    if (status.phase !== "waiting") return 0;
    const action = options.actionFor(status);
    await recordTimelineEvent(trx, runId, {
      kind: "action_required",
      at,
      details: { ...about, action, ...(work.url ? { url: work.url } : {}) },
    });
    if (!reporting) return 0;
    return enqueueReports(trx, {
      runId,
      event: "action_required",
      at,
      publicUrl: reporting.publicUrl,
      action: { text: action, url: work.url ?? null },
    });
  });
  if (reported > 0) reporting?.onReports();
}
