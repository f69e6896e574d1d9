import type { Db } from "../store/database.ts";
import type { Job } from "./job.ts";

export interface ClaimOptions {
  workerId: string;
  now: Date;
  leaseMs: number;
  projectConcurrency: number;
}

const CANDIDATES = 32;

/**
 * Takes the oldest ready job whose project has a free slot, with a lease.
 * Ready means pending and due, or running with a lapsed lease (its worker
 * died). Runs in one transaction, so two claimers never share a job.
 */
export async function claimJob(
  db: Db,
  options: ClaimOptions,
): Promise<Job | undefined> {
  const now = options.now.toISOString();
  const lockedUntil = new Date(
    options.now.getTime() + options.leaseMs,
  ).toISOString();

  return db.transaction().execute(async (trx) => {
    const candidates = await trx
      .selectFrom("jobs")
      .select(["id", "project_id", "status"])
      .where((where) =>
        where.or([
          where.and([
            where("status", "=", "pending"),
            where("run_at", "<=", now),
          ]),
          where.and([
            where("status", "=", "running"),
            where("locked_until", "<", now),
          ]),
        ]),
      )
      .orderBy("id")
      .limit(CANDIDATES)
      .execute();
    if (candidates.length === 0) return undefined;

    const busy = await trx
      .selectFrom("jobs")
      .select(["project_id", (eb) => eb.fn.countAll<number>().as("running")])
      .where("status", "=", "running")
      .where("locked_until", ">=", now)
      .groupBy("project_id")
      .execute();
    const runningByProject = new Map(
      busy.map((row) => [row.project_id, Number(row.running)]),
    );

    const chosen = candidates.find(
      (job) =>
        (runningByProject.get(job.project_id) ?? 0) <
        options.projectConcurrency,
    );
    if (!chosen) return undefined;

    const claimed = await trx
      .updateTable("jobs")
      .set((eb) => ({
        status: "running",
        locked_by: options.workerId,
        locked_until: lockedUntil,
        attempts: eb("attempts", "+", 1),
        updated_at: now,
      }))
      .where("id", "=", chosen.id)
      .where("status", "=", chosen.status)
      .returning([
        "id",
        "kind",
        "run_id",
        "project_id",
        "attempts",
        "max_attempts",
      ])
      .executeTakeFirst();
    if (!claimed) return undefined;

    return {
      id: claimed.id,
      kind: claimed.kind,
      runId: claimed.run_id,
      projectId: claimed.project_id,
      attempts: claimed.attempts,
      maxAttempts: claimed.max_attempts,
      lockedBy: options.workerId,
    };
  });
}
