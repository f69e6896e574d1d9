import { type QueryExecutorProvider, sql } from "kysely";
import { runUrl } from "../runs/run-record.ts";
import { RowsStatement } from "../store/rows-statement.ts";
import type { Ticket } from "../tickets/ticket.ts";
import type { ReceiptReport } from "./receipt-report.ts";
import type { RunReport } from "./run-report.ts";

/** A run just admitted whose trigger reports its receipt. */
export interface ReceivedRun {
  runId: number;
  projectId: number;
  triggerId: number;
  ticket: Pick<Ticket, "externalSystem" | "externalReference" | "externalUrl">;
  receipt: ReceiptReport;
}

/**
 * The `queued` messages ("on it", with the run's link) of the runs a
 * group commit admits, written by that commit: the ticket hears of its
 * run within a second of the 202 even when every worker is busy. One
 * insert for the whole batch, as for the admission's other tables.
 */
export async function insertReceiptMessages(
  trx: QueryExecutorProvider,
  runs: readonly ReceivedRun[],
  now: Date,
): Promise<void> {
  if (runs.length === 0) return;
  const at = now.toISOString();
  const rows = runs.flatMap((run) => {
    const report: RunReport = {
      event: "queued",
      runId: run.runId,
      runUrl: runUrl(run.receipt.publicUrl, {
        id: run.runId,
        project_id: run.projectId,
      }),
      status: "queued",
      externalSystem: run.ticket.externalSystem,
      externalReference: run.ticket.externalReference,
      externalUrl: run.ticket.externalUrl ?? null,
      branch: null,
      mergeRequest: null,
      error: null,
      at,
    };
    const json = JSON.stringify(report);
    const giveUpAt = new Date(
      now.getTime() + run.receipt.giveUpAfterMs,
    ).toISOString();
    return run.receipt.actions.map((action) => [
      run.runId,
      run.projectId,
      run.triggerId,
      "queued",
      action,
      json,
      "pending",
      at,
      giveUpAt,
      at,
      at,
      FIRST_ROUND,
    ]);
  });
  await INSERT_MESSAGES.execute(trx, rows);
}

// A run being admitted has not been retried (enqueue-reports.ts).
const FIRST_ROUND = 0;

const INSERT_MESSAGES = new RowsStatement(
  12,
  (values) => sql`
    insert into outbox_messages (run_id, project_id, trigger_id, event,
      action, report, status, next_attempt_at, give_up_at, created_at,
      updated_at, round)
    values ${values}`,
);
