/*
 * A job's life.
 *
 *   pending ──claim──► running ──► done
 *      ▲                 │  │
 *      └──── retry ──────┘  ├────► failed    (attempts used up, or fatal)
 *      (backoff, jitter)    └────► canceled  (its run was canceled)
 *
 * A claim takes a lease (`locked_until`); the worker renews it with a
 * heartbeat while it works. A running job whose lease has lapsed belongs
 * to a dead worker and may be claimed again, which counts an attempt.
 */

export type JobStatus = "pending" | "running" | "done" | "failed" | "canceled";

export interface Job {
  id: number;
  kind: string;
  runId: number;
  projectId: number;
  attempts: number;
  maxAttempts: number;
  lockedBy: string;
}

const SECOND_MS = 1000;
const BACKOFF_BASE_MS = 2 * SECOND_MS;
const BACKOFF_MAX_MS = 5 * 60 * SECOND_MS;

/**
 * Delay before attempt `attempt + 1`: exponential, capped, with "equal
 * jitter" (half fixed, half random) so that jobs failing together do not
 * retry together, yet none retries almost at once.
 */
export function retryDelayMs(attempt: number, random = Math.random): number {
  const ceiling = Math.min(
    BACKOFF_MAX_MS,
    BACKOFF_BASE_MS * 2 ** (attempt - 1),
  );
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
