import type { Db } from "../store/database.ts";
import type { RecordedFollowUp } from "./merge-request-text.ts";
import type { RunRow } from "./run-record.ts";

/** A run's follow-up instructions, oldest first; with `pendingOnly`,
 * those no executor has been given yet. */
export async function followUpsOf(
  db: Db,
  runId: number,
  pendingOnly = false,
): Promise<RecordedFollowUp[]> {
  let query = db
    .selectFrom("run_follow_ups")
    .select(["id", "instruction", "author"])
    .where("run_id", "=", runId);
  if (pendingOnly) query = query.where("consumed_at", "is", null);
  const rows = await query.orderBy("id").execute();
  return rows.map((row) => ({
    id: row.id,
    instruction: row.instruction,
    author: row.author ?? undefined,
  }));
}

export async function markFollowUpsConsumed(
  db: Db,
  ids: readonly number[],
  at: Date,
): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable("run_follow_ups")
    .set({ consumed_at: at.toISOString() })
    .where("id", "in", [...ids])
    .where("consumed_at", "is", null)
    .execute();
}

/** The change summary of the latest earlier run for the same ticket: what
 * a run continuing its merge request builds on. */
export async function previousSummary(
  db: Db,
  run: Pick<RunRow, "id" | "project_id" | "external_reference">,
): Promise<string | undefined> {
  const row = await db
    .selectFrom("runs")
    .select("summary")
    .where("project_id", "=", run.project_id)
    .where("external_reference", "=", run.external_reference)
    .where("id", "<", run.id)
    .where("summary", "is not", null)
    .orderBy("id", "desc")
    .executeTakeFirst();
  return row?.summary ?? undefined;
}
