import type { Db } from "../store/database.ts";

/** Makes every running job pending again at once; returns how many. Only
 * for a store that a single process owns. */
export async function releaseOrphanedJobs(db: Db, now: Date): Promise<number> {
  const result = await db
    .updateTable("jobs")
    .set({
      status: "pending",
      locked_by: null,
      locked_until: null,
      run_at: now.toISOString(),
      updated_at: now.toISOString(),
    })
    .where("status", "=", "running")
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
