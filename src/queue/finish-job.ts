import type { Db } from "../store/database.ts";
import type { Job, JobStatus } from "./job.ts";

/** Extends the lease of a job this worker still holds; false if lost. */
export async function renewLease(
  db: Db,
  job: Job,
  until: Date,
  now: Date,
): Promise<boolean> {
  const result = await db
    .updateTable("jobs")
    .set({ locked_until: until.toISOString(), updated_at: now.toISOString() })
    .where("id", "=", job.id)
    .where("status", "=", "running")
    .where("locked_by", "=", job.lockedBy)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Ends a job this worker holds: done, failed or canceled. */
export async function finishJob(
  db: Db,
  job: Job,
  status: Exclude<JobStatus, "pending" | "running">,
  now: Date,
  error: string | null = null,
): Promise<void> {
  await db
    .updateTable("jobs")
    .set({
      status,
      locked_by: null,
      locked_until: null,
      last_error: error,
      updated_at: now.toISOString(),
    })
    .where("id", "=", job.id)
    .where("locked_by", "=", job.lockedBy)
    .execute();
}

/** Puts a job back to pending for a later attempt. */
export async function rescheduleJob(
  db: Db,
  job: Job,
  runAt: Date,
  now: Date,
  error: string,
): Promise<void> {
  await db
    .updateTable("jobs")
    .set({
      status: "pending",
      run_at: runAt.toISOString(),
      locked_by: null,
      locked_until: null,
      last_error: error,
      updated_at: now.toISOString(),
    })
    .where("id", "=", job.id)
    .where("locked_by", "=", job.lockedBy)
    .execute();
}
