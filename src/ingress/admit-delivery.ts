import { recordAuditEvent, triggerActor } from "../audit/audit-event.ts";
import type { Project } from "../projects/project.ts";
import { enqueueJob } from "../queue/enqueue-job.ts";
import { ACTIVE_STATUSES } from "../runs/run-status.ts";
import { recordTimelineEvent, recordTimelineEvents } from "../runs/timeline.ts";
import type { Db } from "../store/database.ts";
import type { Ticket } from "../tickets/ticket.ts";
import type { Trigger } from "../triggers/trigger.ts";

/** An authentic, valid delivery on its way into the database. */
export interface Admission {
  project: Project;
  trigger: Trigger;
  ticket: Ticket;
  workflowType: string;
  deliveryKey: string;
  sourceIp: string | null;
  headers: Record<string, string>;
  body: string;
  receivedAt: Date;
  verifiedAt: Date;
  /** Set when an admin replays a stored delivery. */
  redeliveryOf?: number;
}

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
  trx: Db,
  admission: Admission,
  now: Date,
): Promise<AdmissionResult> {
  const { trigger, project, ticket } = admission;

  const seen = await trx
    .selectFrom("delivery_keys")
    .select("run_id")
    .where("trigger_id", "=", trigger.id)
    .where("delivery_key", "=", admission.deliveryKey)
    .executeTakeFirst();
  if (seen) {
    const deliveryId = await recordDelivery(trx, admission, {
      outcome: "duplicate",
      statusCode: 200,
      reason: "the same delivery was received before",
      runId: seen.run_id,
    });
    return { kind: "duplicate", runId: seen.run_id, deliveryId };
  }

  const active = await trx
    .selectFrom("runs")
    .select("id")
    .where("project_id", "=", project.id)
    .where("external_reference", "=", ticket.externalReference)
    .where("status", "in", [...ACTIVE_STATUSES])
    .executeTakeFirst();
  if (active) {
    await rememberKey(trx, admission, active.id, now);
    await recordTimelineEvent(trx, active.id, {
      kind: "follow_up",
      at: now,
      details: { title: ticket.title, trigger_id: trigger.id },
    });
    const deliveryId = await recordDelivery(trx, admission, {
      outcome: "duplicate",
      statusCode: 200,
      reason: `joined run ${active.id}, already active for this ticket`,
      runId: active.id,
    });
    return { kind: "joined", runId: active.id, deliveryId };
  }

  const run = await trx
    .insertInto("runs")
    .values({
      project_id: project.id,
      trigger_id: trigger.id,
      workflow_type: admission.workflowType,
      executor: trigger.executor,
      external_system: ticket.externalSystem,
      external_reference: ticket.externalReference,
      external_url: ticket.externalUrl ?? null,
      title: ticket.title,
      description: ticket.description,
      context: JSON.stringify(ticket.context),
      status: "queued",
      branch: null,
      merge_request_iid: null,
      error: null,
      received_at: admission.receivedAt.toISOString(),
      created_at: now.toISOString(),
      started_at: null,
      finished_at: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();

  await recordTimelineEvents(trx, run.id, [
    {
      kind: "received",
      at: admission.receivedAt,
      details: { trigger_id: trigger.id, source: trigger.source },
    },
    {
      kind: "verified",
      at: admission.verifiedAt,
      durationMs:
        admission.verifiedAt.getTime() - admission.receivedAt.getTime(),
      details: { auth: trigger.auth },
    },
    { kind: "queued", at: now },
  ]);
  await enqueueJob(trx, {
    kind: "run",
    runId: run.id,
    projectId: project.id,
    runAt: now,
  });
  await rememberKey(trx, admission, run.id, now);
  const deliveryId = await recordDelivery(trx, admission, {
    outcome: "accepted",
    statusCode: 202,
    reason: null,
    runId: run.id,
  });
  return { kind: "accepted", runId: run.id, deliveryId };
}

async function rememberKey(
  trx: Db,
  admission: Admission,
  runId: number,
  now: Date,
): Promise<void> {
  await trx
    .insertInto("delivery_keys")
    .values({
      trigger_id: admission.trigger.id,
      delivery_key: admission.deliveryKey,
      run_id: runId,
      created_at: now.toISOString(),
    })
    .execute();
}

interface Outcome {
  outcome: "accepted" | "duplicate";
  statusCode: number;
  reason: string | null;
  runId: number;
}

async function recordDelivery(
  trx: Db,
  admission: Admission,
  outcome: Outcome,
): Promise<number> {
  const delivery = await trx
    .insertInto("deliveries")
    .values({
      project_id: admission.project.id,
      trigger_id: admission.trigger.id,
      delivery_key: admission.deliveryKey,
      outcome: outcome.outcome,
      status_code: outcome.statusCode,
      reason: outcome.reason,
      run_id: outcome.runId,
      source_ip: admission.sourceIp,
      headers: JSON.stringify(admission.headers),
      body: admission.body,
      received_at: admission.receivedAt.toISOString(),
    })
    .returning("id")
    .executeTakeFirstOrThrow();

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
