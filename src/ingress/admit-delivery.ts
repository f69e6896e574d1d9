import { type QueryExecutorProvider, type QueryResult, sql } from "kysely";
import { recordAuditEvent, triggerActor } from "../audit/audit-event.ts";
import type { Project } from "../projects/project.ts";
import { enqueueJob } from "../queue/enqueue-job.ts";
import { ACTIVE_STATUSES } from "../runs/run-status.ts";
import { recordTimelineEvent } from "../runs/timeline.ts";
import type { Ticket } from "../tickets/ticket.ts";
import type { Trigger } from "../triggers/trigger.ts";

/**
 * An authentic, valid delivery on its way into the database. It crosses
 * to the admission thread by structured clone, so it carries only what
 * the commit writes.
 */
export interface Admission {
  project: Pick<Project, "id" | "path">;
  trigger: Pick<Trigger, "id" | "executor" | "source" | "auth">;
  /** The ticket; its context travels as JSON in `contextJson`. */
  ticket: Omit<Ticket, "context">;
  contextJson: string;
  workflowType: string;
  deliveryKey: string;
  sourceIp: string | null;
  /** The masked headers as JSON: strings cross to the thread cheaply. */
  headersJson: string;
  body: string;
  receivedAt: Date;
  verifiedAt: Date;
  /** Set when an admin replays a stored delivery. */
  redeliveryOf?: number;
  /** A new instruction for the run that takes the ticket on: a mention
   * comment, say. Untrusted ticket text. */
  followUp?: { instruction: string; author: string | null };
}

/** How much of an instruction a timeline event shows; the whole of it
 * is in run_follow_ups. */
const TIMELINE_INSTRUCTION_CHARS = 280;

export type AdmissionResult =
  | { kind: "accepted"; runId: number; deliveryId: number }
  | { kind: "duplicate"; runId: number; deliveryId: number }
  | { kind: "joined"; runId: number; deliveryId: number };

/**
 * Writes one delivery's consequences: either a new run with its timeline,
 * job, deduplication key, delivery record and audit event, or, for a
 * delivery seen before or a ticket already being worked on, the link to
 * the existing run. Runs inside the caller's transaction.
 */
export async function admitDelivery(
  trx: QueryExecutorProvider,
  admission: Admission,
  now: Date,
): Promise<AdmissionResult> {
  const { trigger, project, ticket } = admission;

  // Every statement here runs for every delivery, so each is written as a
  // Kysely `sql` template: the same dialect-neutral SQL as the builder
  // would make, at less than half its cost per statement (measured).
  // One statement asks both questions: was this delivery seen, and is a
  // run for this ticket active?
  const [found] = (
    await sql<{ seen: number | null; active: number | null }>`
      select
        (select run_id from deliveries
          where trigger_id = ${trigger.id}
            and delivery_key = ${admission.deliveryKey}
            and run_id is not null
          limit 1) as seen,
        (select id from runs
          where project_id = ${project.id}
            and external_reference = ${ticket.externalReference}
            and status in (${sql.join(ACTIVE_STATUSES)})
          limit 1) as active`.execute(trx)
  ).rows;
  const seen = found?.seen ?? null;
  if (seen !== null) {
    const deliveryId = await recordDelivery(trx, admission, {
      outcome: "duplicate",
      statusCode: 200,
      reason: "the same delivery was received before",
      runId: seen,
    });
    return { kind: "duplicate", runId: seen, deliveryId };
  }

  const activeId = found?.active ?? null;
  if (activeId !== null) {
    const { followUp } = admission;
    if (followUp) await recordFollowUp(trx, activeId, admission, now);
    await recordTimelineEvent(trx, activeId, {
      kind: "follow_up",
      at: now,
      details: {
        title: ticket.title,
        trigger_id: trigger.id,
        ...(followUp
          ? {
              instruction: followUp.instruction.slice(
                0,
                TIMELINE_INSTRUCTION_CHARS,
              ),
              author: followUp.author,
            }
          : {}),
      },
    });
    const deliveryId = await recordDelivery(trx, admission, {
      outcome: "duplicate",
      statusCode: 200,
      reason: `joined run ${activeId}, already active for this ticket`,
      runId: activeId,
    });
    return { kind: "joined", runId: activeId, deliveryId };
  }

  const run = firstRow(
    await sql<{ id: number }>`
      insert into runs (project_id, trigger_id, workflow_type, executor,
        external_system, external_reference, external_url, title,
        description, context, status, received_at, verified_at, admission,
        created_at)
      values (${project.id}, ${trigger.id}, ${admission.workflowType},
        ${trigger.executor}, ${ticket.externalSystem},
        ${ticket.externalReference}, ${ticket.externalUrl ?? null},
        ${ticket.title}, ${ticket.description},
        ${admission.contextJson}, ${"queued"},
        ${admission.receivedAt.toISOString()},
        ${admission.verifiedAt.toISOString()},
        ${JSON.stringify({ source: trigger.source, auth: trigger.auth })},
        ${now.toISOString()})
      returning id`.execute(trx),
  );

  if (admission.followUp) {
    await recordFollowUp(trx, run.id, admission, now);
  }

  // The received, verified and queued steps are the run row's own times
  // (run-view.ts shows them): one row per delivery fewer to write.
  await enqueueJob(trx, {
    kind: "run",
    runId: run.id,
    projectId: project.id,
    runAt: now,
  });
  const deliveryId = await recordDelivery(trx, admission, {
    outcome: "accepted",
    statusCode: 202,
    reason: null,
    runId: run.id,
  });
  return { kind: "accepted", runId: run.id, deliveryId };
}

interface Outcome {
  outcome: "accepted" | "duplicate";
  statusCode: number;
  reason: string | null;
  runId: number;
}

async function recordDelivery(
  trx: QueryExecutorProvider,
  admission: Admission,
  outcome: Outcome,
): Promise<number> {
  const delivery = firstRow(
    await sql<{ id: number }>`
      insert into deliveries (project_id, trigger_id, delivery_key, outcome,
        status_code, reason, run_id, source_ip, headers, body, received_at)
      values (${admission.project.id}, ${admission.trigger.id},
        ${admission.deliveryKey}, ${outcome.outcome}, ${outcome.statusCode},
        ${outcome.reason}, ${outcome.runId}, ${admission.sourceIp},
        ${admission.headersJson}, ${admission.body},
        ${admission.receivedAt.toISOString()})
      returning id`.execute(trx),
  );

  await recordAuditEvent(trx, {
    actor: triggerActor(admission.trigger.id),
    project: admission.project,
    action:
      outcome.outcome === "accepted"
        ? admission.redeliveryOf
          ? "accepted redelivered delivery"
          : "accepted delivery"
        : "received duplicate delivery",
    target: { type: "Delivery", id: delivery.id },
    ipAddress: admission.sourceIp,
    details: {
      run_id: outcome.runId,
      external_reference: admission.ticket.externalReference,
      ...(admission.redeliveryOf
        ? { redelivery_of: admission.redeliveryOf }
        : {}),
    },
    at: admission.receivedAt,
  });
  return delivery.id;
}

/** Keeps the instruction for the workflow, which gives it to the
 * executor and marks it consumed. */
async function recordFollowUp(
  trx: QueryExecutorProvider,
  runId: number,
  admission: Admission,
  now: Date,
): Promise<void> {
  const followUp = admission.followUp;
  if (!followUp) return;
  await sql`
    insert into run_follow_ups (run_id, instruction, author, delivery_key,
      created_at, consumed_at)
    values (${runId}, ${followUp.instruction}, ${followUp.author},
      ${admission.deliveryKey}, ${now.toISOString()}, ${null})`.execute(trx);
}

function firstRow<Row>(result: QueryResult<Row>): Row {
  const [row] = result.rows;
  if (!row) throw new Error("an insert returned no row");
  return row;
}
