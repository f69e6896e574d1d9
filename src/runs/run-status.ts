import type { Db } from "../store/database.ts";

/*
 * A run's life.
 *
 *   queued ──► running ──► succeeded
 *     │           │
 *     │           ├──────► failed ───┐
 *     │           │                  │ retry (admin)
 *     ├───────────┴──────► canceled ─┤
 *     ▲                              │
 *     └──────────────────────────────┘
 *
 * A delivery creates a run `queued` together with its job. A worker that
 * claims the job moves it to `running`; a transient failure with attempts
 * left moves it back to `queued` until the job's next attempt. The last
 * failure, or one that retrying cannot mend, ends it `failed`. Cancel ends
 * a queued or running run; the worker notices at its next step. `succeeded`
 * is final; `failed` and `canceled` can be queued again by a retry. A run
 * that succeeds with follow-ups no round read hands them on to a new
 * queued run in the same transaction (finish-run.ts).
 *
 * Only `changeRunStatus` writes the status column, and it writes it with
 * a condition on the current status, so two processes racing to change
 * one run cannot both win.
 */

export const RUN_STATUSES = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "canceled",
] as const;

export type RunStatus = (typeof RUN_STATUSES)[number];

export const ACTIVE_STATUSES: readonly RunStatus[] = ["queued", "running"];

const ALLOWED_FROM: Record<RunStatus, readonly RunStatus[]> = {
  queued: ["running", "failed", "canceled"],
  running: ["queued"],
  succeeded: ["running"],
  failed: ["queued", "running"],
  canceled: ["queued", "running"],
};

export interface StatusChange {
  at: Date;
  error?: string | null;
  /** Narrows the statuses the run may leave, e.g. a worker's retry may
   * requeue only a run it is still running, never a canceled one. */
  from?: readonly RunStatus[];
}

/**
 * Moves a run to `to` if its current status allows it. Returns false when
 * the run was not in a status it may leave for `to` (already final, say).
 */
export async function changeRunStatus(
  db: Db,
  runId: number,
  to: RunStatus,
  change: StatusChange,
): Promise<boolean> {
  const at = change.at.toISOString();
  const result = await db
    .updateTable("runs")
    .set({
      status: to,
      ...(to === "running" ? { started_at: at, error: null } : {}),
      ...(to === "queued" ? { finished_at: null } : {}),
      ...(isFinal(to) ? { finished_at: at } : {}),
      ...(change.error !== undefined ? { error: change.error } : {}),
    })
    .where("id", "=", runId)
    .where("status", "in", allowedFrom(to, change.from))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

function allowedFrom(to: RunStatus, narrowed?: readonly RunStatus[]) {
  const allowed = ALLOWED_FROM[to];
  return narrowed
    ? allowed.filter((status) => narrowed.includes(status))
    : [...allowed];
}

export function isFinal(status: RunStatus): boolean {
  return status === "succeeded" || status === "failed" || status === "canceled";
}

export function isRunStatus(value: string): value is RunStatus {
  return (RUN_STATUSES as readonly string[]).includes(value);
}
