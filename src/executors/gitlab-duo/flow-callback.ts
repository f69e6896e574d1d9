import { z } from "zod";
import { Refusal } from "../../ingress/refusal.ts";
import type { Db } from "../../store/database.ts";
import {
  describeFieldErrors,
  fieldErrors,
} from "../../validation/field-errors.ts";

const CLIENT_REFERENCE = /^flowgate-run-(\d{1,15})$/;

/** What Flowgate sends as a flow's `client_reference`: GitLab echoes it
 * in each callback, and it names the run. */
export function clientReference(runId: number): string {
  return `flowgate-run-${runId}`;
}

/** The key a flow's follower pauses on (remote-wakeups.ts). */
export function flowWakeKey(flowId: number): string {
  return `gitlab_duo:${flowId}`;
}

/** One GitLab Duo flow callback, for a run of Flowgate's. */
export type FlowCallback =
  | { kind: "flow"; event: string; flowId: number; runId: number }
  | { kind: "ignored"; reason: string };

// GitLab's payload (Ai::Messaging::WebhookDeliveryWorker, GitLab 19.4):
// object_kind, version, event, event_id, client_reference, and the
// flow as `workflow: {id, status, web_url}`.
const flowEvent = z.object({
  event: z.string().max(64),
  event_id: z.string().max(255).optional(),
  client_reference: z.string().max(255).optional(),
  workflow: z.object({ id: z.number().int().min(1) }),
});

/**
 * Reads a Duo flow callback (`object_kind: "duo_workflow"`). Another
 * event, a flow Flowgate did not start (no `client_reference` of its
 * own) or one whose flow has no run here is ignored with a reason; a
 * flow event without its flow's id is a 400.
 */
export function readFlowCallback(body: unknown): FlowCallback {
  const kind = (body as { object_kind?: unknown } | null)?.object_kind;
  if (kind !== "duo_workflow") {
    return {
      kind: "ignored",
      reason:
        "this URL takes only GitLab Duo flow events " +
        `(object_kind "duo_workflow"), not "${String(kind)}"`,
    };
  }
  const parsed = flowEvent.safeParse(body);
  if (!parsed.success) {
    const errors = fieldErrors(parsed.error);
    throw new Refusal(
      400,
      `400 Bad request - ${describeFieldErrors(errors)}`,
      "schema",
      { errors },
    );
  }
  const event = parsed.data;
  const runId = Number(
    CLIENT_REFERENCE.exec(event.client_reference ?? "")?.[1],
  );
  if (!Number.isSafeInteger(runId)) {
    return {
      kind: "ignored",
      reason: "the flow was not started by Flowgate (no client_reference)",
    };
  }
  return {
    kind: "flow",
    event: event.event,
    flowId: event.workflow.id,
    runId,
  };
}

/** True when the run of this project started that flow. */
export async function runStartedFlow(
  db: Db,
  projectId: number,
  runId: number,
  flowId: number,
): Promise<boolean> {
  const rows = await db
    .selectFrom("run_events")
    .innerJoin("runs", "runs.id", "run_events.run_id")
    .select("run_events.details")
    .where("runs.id", "=", runId)
    .where("runs.project_id", "=", projectId)
    .where("run_events.kind", "=", "remote_started")
    .execute();
  return rows.some((row) => {
    const details = JSON.parse(row.details) as Record<string, unknown>;
    return details.executor === "gitlab_duo" && details.id === flowId;
  });
}
