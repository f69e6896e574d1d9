import type { QueryExecutorProvider } from "kysely";
import { recordAuditEvents, triggerActor } from "../audit/audit-event.ts";
import { insertReceiptMessages } from "../outbox/insert-receipt-messages.ts";
import type { ReceiptReport } from "../outbox/receipt-report.ts";
import type { Project } from "../projects/project.ts";
import { insertRuns, type NewRun } from "../runs/insert-runs.ts";
import type { DialectName } from "../store/dialect.ts";
import type { Ticket } from "../tickets/ticket.ts";
import type { Trigger } from "../triggers/trigger.ts";
import {
  insertDeliveries,
  insertFollowUpEvents,
  insertFollowUps,
  insertJobs,
} from "./admission-statements.ts";
import { findJoinableRuns } from "./join-active-runs.ts";
import {
  type Decision,
  planAdmissions,
  ticketKeyOf,
} from "./plan-admissions.ts";

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
  /** Set when the trigger tells the ticket of a new run at once. */
  reportReceipt?: ReceiptReport;
}

export type AdmissionResult =
  | { kind: "accepted"; runId: number; deliveryId: number }
  | { kind: "duplicate"; runId: number; deliveryId: number }
  | { kind: "joined"; runId: number; deliveryId: number };

/**
 * Writes a batch of deliveries' consequences inside the caller's
 * transaction: for each, either a new run with its job, or the link to
 * the run it repeats or joins; and for every one a delivery record and an
 * audit event. The batch costs the same few statements whatever its
 * size (one per table, with a row per delivery), which is what lets a
 * group commit on PostgreSQL, where each statement is a round trip, keep
 * up with the HTTP thread.
 */
export async function admitDeliveries(
  trx: QueryExecutorProvider,
  admissions: readonly Admission[],
  now: Date,
  dialect: DialectName,
): Promise<AdmissionResult[]> {
  if (admissions.length === 0) return [];
  const decisions = planAdmissions(
    admissions,
    await findJoinableRuns(trx, dialect, admissions),
  );

  const starting = admissions.filter(
    (_, index) => decisions[index]?.kind === "accepted",
  );
  const started = await insertRuns(trx, starting.map(newRunOf), now);
  // A run of the ticket became active in another transaction since the
  // lookup (another process, on PostgreSQL): join it instead.
  const raced = starting.filter(
    (admission) => !started.has(ticketKeyOf(admission)),
  );
  const racedRuns =
    raced.length === 0
      ? new Map<string, number>()
      : (await findJoinableRuns(trx, dialect, raced)).active;

  const runIds: number[] = [];
  const kinds: AdmissionResult["kind"][] = [];
  for (const [index, admission] of admissions.entries()) {
    const decision = decisions[index] as Decision;
    const ticket = ticketKeyOf(admission);
    if (decision.kind === "accepted") {
      const runId = started.get(ticket) ?? racedRuns.get(ticket);
      if (runId === undefined) {
        throw new Error(
          `ticket ${admission.ticket.externalReference}'s run was neither ` +
            "inserted nor found active",
        );
      }
      runIds.push(runId);
      kinds.push(started.has(ticket) ? "accepted" : "joined");
    } else {
      runIds.push(
        "runId" in decision
          ? decision.runId
          : (runIds[decision.sameAs] as number),
      );
      kinds.push(decision.kind);
    }
  }

  const accepted = admissions.flatMap((admission, index) =>
    kinds[index] === "accepted"
      ? [{ runId: runIds[index] as number, projectId: admission.project.id }]
      : [],
  );
  await insertJobs(trx, accepted, now);
  await insertReceiptMessages(
    trx,
    admissions.flatMap((admission, index) =>
      admission.reportReceipt && kinds[index] === "accepted"
        ? [
            {
              runId: runIds[index] as number,
              projectId: admission.project.id,
              triggerId: admission.trigger.id,
              ticket: admission.ticket,
              receipt: admission.reportReceipt,
            },
          ]
        : [],
    ),
    now,
  );
  await insertFollowUpEvents(
    trx,
    admissions.flatMap((admission, index) =>
      kinds[index] === "joined"
        ? [{ admission, runId: runIds[index] as number }]
        : [],
    ),
    now,
  );

  // The instruction is kept for the workflow, which gives it to the
  // executor of the run that starts or is joined, and marks it consumed.
  await insertFollowUps(
    trx,
    admissions.flatMap((admission, index) =>
      admission.followUp && kinds[index] !== "duplicate"
        ? [{ admission, runId: runIds[index] as number }]
        : [],
    ),
    now,
  );

  const outcomes = admissions.map((_, index) =>
    outcomeOf(kinds[index] ?? "accepted", runIds[index] as number),
  );
  const deliveryIds = await insertDeliveries(trx, admissions, outcomes);
  await recordAuditEvents(
    trx,
    admissions.map((admission, index) =>
      auditEventOf(admission, outcomes[index] as Outcome, deliveryIds[index]),
    ),
  );

  return admissions.map((_, index) => ({
    kind: kinds[index] ?? "accepted",
    runId: runIds[index] as number,
    deliveryId: deliveryIds[index] as number,
  }));
}

function newRunOf({ project, trigger, ...admission }: Admission): NewRun {
  return {
    projectId: project.id,
    triggerId: trigger.id,
    workflowType: admission.workflowType,
    executor: trigger.executor,
    ticket: admission.ticket,
    contextJson: admission.contextJson,
    receivedAt: admission.receivedAt,
    verifiedAt: admission.verifiedAt,
    admissionJson: JSON.stringify({
      source: trigger.source,
      auth: trigger.auth,
    }),
  };
}

export interface Outcome {
  outcome: "accepted" | "duplicate";
  statusCode: number;
  reason: string | null;
  runId: number;
  /** False for a repeat of a delivery stored before. */
  firstOfKey: boolean;
}

function outcomeOf(kind: AdmissionResult["kind"], runId: number): Outcome {
  if (kind === "accepted") {
    return {
      outcome: "accepted",
      statusCode: 202,
      reason: null,
      runId,
      firstOfKey: true,
    };
  }
  const reason =
    kind === "duplicate"
      ? "the same delivery was received before"
      : `joined run ${runId}, already active for this ticket`;
  return {
    outcome: "duplicate",
    statusCode: 200,
    reason,
    runId,
    firstOfKey: kind === "joined",
  };
}

function auditEventOf(
  admission: Admission,
  outcome: Outcome,
  deliveryId: number | undefined,
) {
  return {
    actor: triggerActor(admission.trigger.id),
    project: admission.project,
    action:
      outcome.outcome === "accepted"
        ? admission.redeliveryOf
          ? "accepted redelivered delivery"
          : "accepted delivery"
        : "received duplicate delivery",
    target: { type: "Delivery", id: deliveryId ?? null },
    ipAddress: admission.sourceIp,
    details: {
      run_id: outcome.runId,
      external_reference: admission.ticket.externalReference,
      ...(admission.redeliveryOf
        ? { redelivery_of: admission.redeliveryOf }
        : {}),
    },
    at: admission.receivedAt,
  };
}
