import { type QueryExecutorProvider, sql } from "kysely";

export const DEFAULT_MAX_ATTEMPTS = 5;

export interface NewJob {
  kind: "run";
  runId: number;
  projectId: number;
  runAt: Date;
  maxAttempts?: number;
}

/** Adds a pending job; call it in the transaction that creates its cause. */
export async function enqueueJob(
  trx: QueryExecutorProvider,
  job: NewJob,
): Promise<number> {
  const at = job.runAt.toISOString();
  // A `sql` template rather than the builder: it runs for every delivery.
  const { rows } = await sql<{ id: number }>`
    insert into jobs (kind, run_id, project_id, status, attempts,
      max_attempts, run_at, created_at, updated_at)
    values (${job.kind}, ${job.runId}, ${job.projectId}, ${"pending"}, ${0},
      ${job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS}, ${at}, ${at}, ${at})
    returning id`.execute(trx);
  const [row] = rows;
  if (!row) throw new Error("inserting a job returned no row");
  return row.id;
}
