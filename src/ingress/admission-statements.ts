import { type QueryExecutorProvider, sql } from "kysely";
import { DEFAULT_MAX_ATTEMPTS } from "../queue/enqueue-job.ts";
import { ACTIVE_STATUS_LIST } from "../runs/insert-runs.ts";
import { RowsStatement } from "../store/rows-statement.ts";
import type { Admission, Outcome } from "./admit-delivery.ts";
import type { KnownRuns } from "./plan-admissions.ts";

// The statements of a batch admission, each a Kysely `sql` template with
// a row per delivery: the same SQL for SQLite and PostgreSQL, at less
// than half the builder's cost per statement (measured). The inserts are
// compiled once per row count (RowsStatement).

/** Runs of deliveries seen before, and active runs of the tickets, in
 * one round trip. */
export async function findKnownRuns(
  trx: QueryExecutorProvider,
  admissions: readonly Admission[],
): Promise<KnownRuns> {
  const triggers = unique(admissions.map((a) => a.trigger.id));
  const keys = unique(admissions.map((a) => a.deliveryKey));
  const projects = unique(admissions.map((a) => a.project.id));
  const references = unique(admissions.map((a) => a.ticket.externalReference));
  // The `in` lists may match a few pairs the batch does not hold (a key
  // of one trigger with another trigger); the maps are keyed by pair.
  const { rows } = await sql<{
    kind: "seen" | "active";
    run_id: number;
    owner_id: number;
    name: string;
  }>`
    select 'seen' as kind, run_id, trigger_id as owner_id,
      delivery_key as name
    from deliveries
    where trigger_id in (${sql.join(triggers)})
      and delivery_key in (${sql.join(keys)})
      and first_of_key = 1
      and run_id is not null
    union all
    select 'active' as kind, id as run_id, project_id as owner_id,
      external_reference as name
    from runs
    where project_id in (${sql.join(projects)})
      and external_reference in (${sql.join(references)})
      and status in (${ACTIVE_STATUS_LIST})`.execute(trx);

  const seen = new Map<string, number>();
  const active = new Map<string, number>();
  for (const row of rows) {
    const key = `${row.owner_id}\n${row.name}`;
    const map = row.kind === "seen" ? seen : active;
    if (!map.has(key)) map.set(key, row.run_id);
  }
  return { seen, active };
}

/** A pending job for each new run. */
export async function insertJobs(
  trx: QueryExecutorProvider,
  runs: ReadonlyArray<{ runId: number; projectId: number }>,
  now: Date,
): Promise<void> {
  if (runs.length === 0) return;
  const at = now.toISOString();
  await INSERT_JOBS.execute(
    trx,
    runs.map((run) => [
      "run",
      run.runId,
      run.projectId,
      "pending",
      0,
      DEFAULT_MAX_ATTEMPTS,
      at,
      at,
      at,
    ]),
  );
}

const INSERT_JOBS = new RowsStatement(
  9,
  (values) => sql`
    insert into jobs (kind, run_id, project_id, status, attempts,
      max_attempts, run_at, created_at, updated_at)
    values ${values}`,
);

/** How much of an instruction a timeline event shows; the whole of it
 * is in run_follow_ups. */
const TIMELINE_INSTRUCTION_CHARS = 280;

/** A `follow_up` timeline event on each joined run. */
export async function insertFollowUpEvents(
  trx: QueryExecutorProvider,
  joined: ReadonlyArray<{ admission: Admission; runId: number }>,
  now: Date,
): Promise<void> {
  if (joined.length === 0) return;
  const at = now.toISOString();
  const rows = joined.map(
    ({ admission, runId }) =>
      sql`(${runId}, ${"follow_up"}, ${at}, ${null},
        ${JSON.stringify({
          title: admission.ticket.title,
          trigger_id: admission.trigger.id,
          ...(admission.followUp
            ? {
                instruction: admission.followUp.instruction.slice(
                  0,
                  TIMELINE_INSTRUCTION_CHARS,
                ),
                author: admission.followUp.author,
              }
            : {}),
        })})`,
  );
  await sql`
    insert into run_events (run_id, kind, at, duration_ms, details)
    values ${sql.join(rows)}`.execute(trx);
}

/** Each follow-up instruction, for the run that will carry it out. */
export async function insertFollowUps(
  trx: QueryExecutorProvider,
  followUps: ReadonlyArray<{ admission: Admission; runId: number }>,
  now: Date,
): Promise<void> {
  if (followUps.length === 0) return;
  const at = now.toISOString();
  const rows = followUps.flatMap(({ admission, runId }) =>
    admission.followUp
      ? [
          sql`(${runId}, ${admission.followUp.instruction},
            ${admission.followUp.author}, ${admission.deliveryKey}, ${at},
            ${null})`,
        ]
      : [],
  );
  if (rows.length === 0) return;
  await sql`
    insert into run_follow_ups (run_id, instruction, author, delivery_key,
      created_at, consumed_at)
    values ${sql.join(rows)}`.execute(trx);
}

/**
 * A delivery record for each admission; answers their ids in the
 * admissions' order. Ids are given in the order of the rows of one
 * insert, so sorting the returned ids restores that order.
 *
 * A delivery that is not a duplicate claims its key (`first_of_key`).
 * When another process claimed the same key since `findKnownRuns`, the
 * unique index of migration 008 fails this insert (on PostgreSQL after
 * waiting for the other transaction to end), and the whole batch with
 * it: see `retryingRacedAdmissions`.
 */
export async function insertDeliveries(
  trx: QueryExecutorProvider,
  admissions: readonly Admission[],
  outcomes: readonly Outcome[],
): Promise<number[]> {
  const rows = admissions.map((admission, index) => {
    const outcome = outcomes[index] as Outcome;
    return [
      admission.project.id,
      admission.trigger.id,
      admission.deliveryKey,
      outcome.outcome,
      outcome.statusCode,
      outcome.reason,
      outcome.runId,
      admission.sourceIp,
      admission.headersJson,
      admission.body,
      admission.receivedAt.toISOString(),
      outcome.firstOfKey ? 1 : 0,
    ];
  });
  const { rows: inserted } = await INSERT_DELIVERIES.execute(trx, rows);
  if (inserted.length !== admissions.length) {
    throw new Error(
      `inserting ${admissions.length} deliveries returned ` +
        `${inserted.length} ids`,
    );
  }
  return inserted.map((row) => row.id).sort((a, b) => a - b);
}

const INSERT_DELIVERIES = new RowsStatement<{ id: number }>(
  12,
  (values) => sql`
    insert into deliveries (project_id, trigger_id, delivery_key, outcome,
      status_code, reason, run_id, source_ip, headers, body, received_at,
      first_of_key)
    values ${values}
    returning id`,
);

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
