import type { Db } from "../store/database.ts";

export const DEFAULT_MAX_ATTEMPTS = 5;

export interface NewJob {
  kind: "run";
  runId: number;
  projectId: number;
  runAt: Date;
  maxAttempts?: number;
}

/** Adds a pending job; call it in the transaction that creates its cause. */
export async function enqueueJob(trx: Db, job: NewJob): Promise<number> {
  const at = job.runAt.toISOString();
  const row = await trx
    .insertInto("jobs")
    .values({
      kind: job.kind,
      run_id: job.runId,
      project_id: job.projectId,
      status: "pending",
      attempts: 0,
      max_attempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      run_at: at,
      locked_by: null,
      locked_until: null,
      last_error: null,
      created_at: at,
      updated_at: at,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}
