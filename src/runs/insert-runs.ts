import { type QueryExecutorProvider, sql } from "kysely";
import { RowsStatement } from "../store/rows-statement.ts";
import type { Ticket } from "../tickets/ticket.ts";
import { ACTIVE_STATUSES } from "./run-status.ts";

/** The active statuses as literals, so that the planner can match the
 * partial unique index of migration 001. */
export const ACTIVE_STATUS_LIST = sql.join(
  ACTIVE_STATUSES.map((status) => sql.lit(status)),
);

/** What a new queued run is made of: an admitted delivery's ticket, or
 * the ticket of a finished run handing its follow-ups on. */
export interface NewRun {
  projectId: number;
  triggerId: number | null;
  workflowType: string;
  executor: string;
  ticket: Omit<Ticket, "context">;
  contextJson: string;
  receivedAt: Date;
  verifiedAt: Date;
  /** `{"source", "auth"}` as JSON: how the run's delivery came in. */
  admissionJson: string;
}

/** The key `insertRuns` answers a ticket's new run by. */
export function runTicketKey(projectId: number, reference: string): string {
  return `${projectId}\n${reference}`;
}

/**
 * Inserts the runs `queued` (one per ticket), skipping a ticket whose run
 * became active meanwhile (the partial unique index of migration 001):
 * on PostgreSQL the insert waits for a racing transaction to end instead
 * of failing. Answers the new run ids by `runTicketKey`.
 */
export async function insertRuns(
  trx: QueryExecutorProvider,
  runs: readonly NewRun[],
  now: Date,
): Promise<Map<string, number>> {
  const started = new Map<string, number>();
  if (runs.length === 0) return started;
  const at = now.toISOString();
  const rows = runs.map(({ ticket, ...run }) => [
    run.projectId,
    run.triggerId,
    run.workflowType,
    run.executor,
    ticket.externalSystem,
    ticket.externalReference,
    ticket.externalUrl ?? null,
    ticket.title,
    ticket.description,
    run.contextJson,
    "queued",
    run.receivedAt.toISOString(),
    run.verifiedAt.toISOString(),
    run.admissionJson,
    at,
  ]);
  const { rows: inserted } = await INSERT_RUNS.execute(trx, rows);
  for (const row of inserted) {
    started.set(runTicketKey(row.project_id, row.external_reference), row.id);
  }
  return started;
}

const INSERT_RUNS = new RowsStatement<{
  id: number;
  project_id: number;
  external_reference: string;
}>(
  15,
  (values) => sql`
    insert into runs (project_id, trigger_id, workflow_type, executor,
      external_system, external_reference, external_url, title,
      description, context, status, received_at, verified_at, admission,
      created_at)
    values ${values}
    on conflict (project_id, external_reference)
      where status in (${ACTIVE_STATUS_LIST}) do nothing
    returning id, project_id, external_reference`,
);
