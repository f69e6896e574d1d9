import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import type { Db } from "../store/database.ts";
import {
  type DialectName,
  lockProjectSlot,
  skippingLockedRows,
} from "../store/dialect.ts";
import type { Database } from "../store/schema.ts";
import type { Job } from "./job.ts";

export interface ClaimOptions {
  workerId: string;
  now: Date;
  leaseMs: number;
  projectConcurrency: number;
  dialect: DialectName;
}

/** Projects looked at per claim, each through its oldest ready job. */
const CANDIDATE_PROJECTS = 32;
// A claimer that found a project's slot lock held by another claimer
// tries again shortly rather than leave the job for the next poll.
const CONTENDED_RETRIES = 5;
const CONTENDED_PAUSE_MS = 5;

class Contended {
  readonly contended = true;
}

/**
 * Takes the oldest ready job whose project has a free slot, with a lease.
 * Ready means pending and due, or running with a lapsed lease (its worker
 * died). Runs in one transaction, so two claimers never share a job, in
 * one process or many: on PostgreSQL the chosen job's row is locked
 * (FOR UPDATE SKIP LOCKED: others pass over it) and a project's slots
 * are counted under a per-project lock.
 */
export async function claimJob(
  db: Db,
  options: ClaimOptions,
): Promise<Job | undefined> {
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await claimOnce(db, options);
    if (!(outcome instanceof Contended)) return outcome;
    if (attempt > CONTENDED_RETRIES) return undefined;
    await new Promise((resolve) =>
      setTimeout(resolve, CONTENDED_PAUSE_MS * attempt),
    );
  }
}

async function claimOnce(
  db: Db,
  options: ClaimOptions,
): Promise<Job | Contended | undefined> {
  const now = options.now.toISOString();
  const lockedUntil = new Date(
    options.now.getTime() + options.leaseMs,
  ).toISOString();

  return db.transaction().execute(async (trx) => {
    // Read without locks: every claimer may look at the same candidates.
    // One per project, and none of a project already at its limit, so a
    // full project's backlog, however long, never hides another's job.
    const candidates = await trx
      .selectFrom("jobs")
      .select((eb) => ["project_id", eb.fn.min("id").as("oldest")])
      .where(isReady(now))
      .where((eb) =>
        eb("project_id", "not in", fullProjects(trx, now, options)),
      )
      .groupBy("project_id")
      .orderBy("oldest")
      .limit(CANDIDATE_PROJECTS)
      .execute();

    let contended = false;
    for (const { project_id: projectId, oldest } of candidates) {
      // The look above took no lock: count again under the project's.
      const slot = await freeSlot(trx, projectId, now, options);
      if (slot !== "free") {
        contended ||= slot === "contended";
        continue;
      }

      // Lock the job seen, or else the project's oldest job still ready,
      // passing over one another transaction holds (a late heartbeat's).
      const locked =
        (await lockReady(trx, now, options, (where) =>
          where("id", "=", oldest),
        )) ??
        (await lockReady(trx, now, options, (where) =>
          where("project_id", "=", projectId),
        ));
      if (!locked) {
        contended = true;
        continue;
      }

      const claimed = await trx
        .updateTable("jobs")
        .set((eb) => ({
          status: "running",
          locked_by: options.workerId,
          locked_until: lockedUntil,
          attempts: eb("attempts", "+", 1),
          updated_at: now,
        }))
        .where("id", "=", locked.id)
        .returning([
          "id",
          "kind",
          "run_id",
          "project_id",
          "attempts",
          "max_attempts",
        ])
        .executeTakeFirstOrThrow();

      return {
        id: claimed.id,
        kind: claimed.kind,
        runId: claimed.run_id,
        projectId: claimed.project_id,
        attempts: claimed.attempts,
        maxAttempts: claimed.max_attempts,
        lockedBy: options.workerId,
      };
    }
    return contended ? new Contended() : undefined;
  });
}

/** Locks the oldest ready job that `which` picks, skipping locked ones. */
function lockReady(
  trx: Db,
  now: string,
  options: ClaimOptions,
  which: (where: ExpressionBuilder<Database, "jobs">) => Expression<SqlBool>,
) {
  return trx
    .selectFrom("jobs")
    .select("id")
    .where(which)
    .where(isReady(now))
    .orderBy("id")
    .limit(1)
    .$call(skippingLockedRows(options.dialect))
    .executeTakeFirst();
}

/** The projects whose live leases already fill their limit. */
function fullProjects(trx: Db, now: string, options: ClaimOptions) {
  return trx
    .selectFrom("jobs")
    .select("project_id")
    .where("status", "=", "running")
    .where("locked_until", ">=", now)
    .groupBy("project_id")
    .having((eb) => eb.fn.countAll(), ">=", options.projectConcurrency);
}

/** Pending and due, or running under a lease that lapsed. */
function isReady(now: string) {
  return (where: ExpressionBuilder<Database, "jobs">) =>
    where.or([
      where.and([where("status", "=", "pending"), where("run_at", "<=", now)]),
      where.and([
        where("status", "=", "running"),
        where("locked_until", "<", now),
      ]),
    ]);
}

/** "free" when fewer of the project's jobs hold a live lease than it may
 * run; "contended" when another claimer is deciding for it right now. */
async function freeSlot(
  trx: Db,
  projectId: number,
  now: string,
  options: ClaimOptions,
): Promise<"free" | "full" | "contended"> {
  if (!(await lockProjectSlot(trx, options.dialect, projectId))) {
    return "contended";
  }
  const busy = await trx
    .selectFrom("jobs")
    .select((eb) => eb.fn.countAll<number | string>().as("running"))
    .where("project_id", "=", projectId)
    .where("status", "=", "running")
    .where("locked_until", ">=", now)
    .executeTakeFirstOrThrow();
  return Number(busy.running) < options.projectConcurrency ? "free" : "full";
}
