import { type QueryExecutorProvider, sql } from "kysely";
import { ACTIVE_STATUS_LIST } from "../runs/insert-runs.ts";
import { type DialectName, sharingRows } from "../store/dialect.ts";
import { findKnownRuns } from "./admission-statements.ts";
import type { Admission } from "./admit-delivery.ts";
import type { KnownRuns } from "./plan-admissions.ts";

// A lookup finds an active run that ended since only when that run's
// final transaction committed meanwhile: once more, then, sees its end.
const MAX_LOOKUPS = 3;

/**
 * What `findKnownRuns` finds, with the tickets' active runs locked until
 * this transaction commits, so that a delivery joining one never joins a
 * run that has already ended.
 *
 * Why: a run's final transaction (`finishRun`) first changes the run's
 * status, then hands the follow-ups still pending on to a new run. On
 * SQLite the two transactions never overlap. On PostgreSQL (READ
 * COMMITTED) they can: a join that read the run as active before the
 * final transaction committed, and committed its follow-up after that
 * transaction read the pending ones, would leave the follow-up on an
 * ended run, acknowledged and never carried out. The lock (FOR SHARE,
 * see `sharingRows`) closes that gap either way round:
 * - taken first, it makes the final transaction's status update wait
 *   until this one commits; its next statement, reading the pending
 *   follow-ups with a fresh snapshot, then sees this one's;
 * - taken after the status update, it waits for the final transaction
 *   to commit, and then answers no row for the ended run (PostgreSQL
 *   checks the `status` condition again on the row as committed). The
 *   lookup is then made again and finds the run that took the
 *   follow-ups over, or none, and the delivery joins that run or starts
 *   one, as it would have had it come a moment later.
 */
export async function findJoinableRuns(
  trx: QueryExecutorProvider,
  dialect: DialectName,
  admissions: readonly Admission[],
): Promise<KnownRuns> {
  for (let lookup = 1; ; lookup += 1) {
    const known = await findKnownRuns(trx, admissions);
    const runIds = [...new Set(known.active.values())];
    if (runIds.length === 0) return known;
    const { rows } = await sql<{ id: number }>`
      select id from runs
      where id in (${sql.join(runIds)})
        and status in (${ACTIVE_STATUS_LIST})
      ${sharingRows(dialect)}`.execute(trx);
    if (rows.length === runIds.length) return known;
    if (lookup >= MAX_LOOKUPS) {
      throw new Error(
        `the active runs of a batch's tickets ended ${MAX_LOOKUPS} times ` +
          "while it was admitted; nothing was stored, send it again",
      );
    }
  }
}
