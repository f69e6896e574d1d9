import {
  type Actor,
  ANONYMOUS_ACTOR,
  type AuditEventInput,
  recordAuditEvent,
} from "../../audit/audit-event.ts";
import { enqueueReports } from "../../outbox/enqueue-reports.ts";
import { recordTimelineEvent } from "../../runs/timeline.ts";
import type { Db } from "../../store/database.ts";
import type { MergeRequestHook } from "./merge-request-hook.ts";

/** An authenticated sender that is not a user: GitLab's webhook. */
export const GITLAB_WEBHOOK_ACTOR: Actor = { id: 0, name: "GitLab webhook" };

/** One delivery of a project's GitLab webhook, for the audit log. */
export interface HookDelivery {
  project: { id: number; path: string };
  /** Set once the delivery is authentic. */
  eventKey: string | undefined;
  ipAddress: string;
  at: Date;
}

export type HookOutcome =
  | { status: "accepted"; runId: number; event: string }
  | { status: "duplicate"; runId: number; reason: string }
  | { status: "ignored"; reason: string };

/**
 * Applies a merge or close of a run's merge request, in one transaction:
 * the event's key (once per key, so a repeat changes nothing), the
 * run's timeline, on a merge the reports back to the ticket, and the
 * audit event. The run is the newest of the project that opened the
 * merge request. The caller wakes the dispatcher after an acceptance.
 */
export async function applyMergeRequestHook(
  db: Db,
  hook: Extract<MergeRequestHook, { kind: "merge_request" }>,
  delivery: HookDelivery & { eventKey: string; publicUrl: string },
): Promise<HookOutcome> {
  return db.transaction().execute(async (trx) => {
    const outcome = await apply(trx, hook, delivery);
    await recordAuditEvent(trx, hookAuditEvent(delivery, outcome, hook));
    return outcome;
  });
}

async function apply(
  trx: Db,
  hook: Extract<MergeRequestHook, { kind: "merge_request" }>,
  delivery: HookDelivery & { eventKey: string; publicUrl: string },
): Promise<HookOutcome> {
  const run = await trx
    .selectFrom("runs")
    .select("id")
    .where("project_id", "=", delivery.project.id)
    .where("merge_request_iid", "=", hook.iid)
    .orderBy("id", "desc")
    .executeTakeFirst();
  if (!run) {
    return {
      status: "ignored",
      reason: `no Flowgate run opened merge request !${hook.iid}`,
    };
  }

  const recorded = await trx
    .insertInto("forge_events")
    .values({
      project_id: delivery.project.id,
      event_key: delivery.eventKey,
      kind: "merge_request",
      action: hook.action,
      merge_request_iid: hook.iid,
      run_id: run.id,
      received_at: delivery.at.toISOString(),
    })
    .onConflict((conflict) =>
      conflict.columns(["project_id", "event_key"]).doNothing(),
    )
    .returning("id")
    .executeTakeFirst();
  if (!recorded) {
    return {
      status: "duplicate",
      runId: run.id,
      reason: `event ${delivery.eventKey} was received before`,
    };
  }

  const kind = hook.action === "merge" ? "merged" : "merge_request_closed";
  // A merge is told once, even when GitLab sends it under two keys.
  if (kind === "merged" && (await hasTimelineEvent(trx, run.id, kind))) {
    return {
      status: "duplicate",
      runId: run.id,
      reason: `the merge of !${hook.iid} was recorded on run ${run.id} before`,
    };
  }
  await recordTimelineEvent(trx, run.id, {
    kind,
    at: delivery.at,
    details: {
      merge_request_iid: hook.iid,
      ...(hook.username ? { gitlab_user: hook.username } : {}),
    },
  });
  if (kind === "merged") {
    await enqueueReports(trx, {
      runId: run.id,
      event: "merged",
      at: delivery.at,
      publicUrl: delivery.publicUrl,
    });
  }
  return { status: "accepted", runId: run.id, event: kind };
}

async function hasTimelineEvent(
  trx: Db,
  runId: number,
  kind: string,
): Promise<boolean> {
  const found = await trx
    .selectFrom("run_events")
    .select("id")
    .where("run_id", "=", runId)
    .where("kind", "=", kind)
    .executeTakeFirst();
  return found !== undefined;
}

const ACTIONS = {
  accepted: "accepted GitLab webhook delivery",
  duplicate: "received duplicate GitLab webhook delivery",
  ignored: "ignored GitLab webhook delivery",
  refused: "refused GitLab webhook delivery",
} as const;

/** The audit event of any delivery of the webhook, whatever became of
 * it; a refusal is `{status: "refused"}` with the HTTP status. */
export function hookAuditEvent(
  delivery: HookDelivery,
  outcome: HookOutcome | { status: "refused"; code: number; reason: string },
  hook?: Extract<MergeRequestHook, { kind: "merge_request" }>,
): AuditEventInput {
  const runId = "runId" in outcome ? outcome.runId : undefined;
  return {
    actor:
      outcome.status === "refused" ? ANONYMOUS_ACTOR : GITLAB_WEBHOOK_ACTOR,
    project: delivery.project,
    action: ACTIONS[outcome.status],
    ...(runId === undefined ? {} : { target: { type: "Run", id: runId } }),
    ipAddress: delivery.ipAddress,
    details: {
      ...(delivery.eventKey ? { event_key: delivery.eventKey } : {}),
      ...(hook
        ? {
            merge_request_iid: hook.iid,
            merge_request_action: hook.action,
            ...(hook.username ? { gitlab_user: hook.username } : {}),
          }
        : {}),
      ...("event" in outcome ? { event: outcome.event } : {}),
      ...("code" in outcome ? { status: outcome.code } : {}),
      ...("reason" in outcome ? { reason: outcome.reason } : {}),
    },
    at: delivery.at,
  };
}
