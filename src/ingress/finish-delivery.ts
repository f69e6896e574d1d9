import type { Project } from "../projects/project.ts";
import type { Trigger } from "../triggers/trigger.ts";
import type { IngressContext } from "./ingress-context.ts";
import { maskHeaders } from "./mask-headers.ts";
import type { Answer, DeliveryRequest, Outcome } from "./receive-delivery.ts";
import type { Refusal } from "./refusal.ts";

const ANONYMOUS_BODY_PREVIEW_BYTES = 2048;

/** Counts, logs and records the outcome of every delivery, then answers. */
export function finish(
  context: IngressContext,
  request: DeliveryRequest,
  project: Project | undefined,
  answer: Answer,
  trigger?: Trigger,
  refusal?: Refusal,
): Answer {
  const outcome: Outcome =
    answer.outcome ??
    (answer.status === 202
      ? "accepted"
      : answer.body.duplicate
        ? "duplicate"
        : answer.body.status === "ignored"
          ? "ignored"
          : "refused");
  context.metrics.deliveries.inc({ outcome, status: String(answer.status) });
  context.metrics.acknowledgementSeconds.observe(
    { outcome },
    (Date.now() - request.receivedAt.getTime()) / 1000,
  );

  const reason =
    refusal?.check ??
    answer.reason ??
    (typeof answer.body.reason === "string" ? answer.body.reason : undefined);
  context.logger.debug(
    {
      project_id: project?.id,
      trigger_id: trigger?.id,
      delivery_id: answer.deliveryId,
      run_id: answer.runId ?? answer.body.id,
      status: answer.status,
      outcome,
      reason,
    },
    "delivery answered",
  );

  if (
    project &&
    (outcome === "refused" || outcome === "ignored" || outcome === "canceled")
  ) {
    const triggerId = trigger?.id ?? refusal?.extra.triggerId ?? null;
    context.refusals.record({
      project,
      triggerId,
      outcome,
      statusCode: answer.status,
      reason: refusal ? `${refusal.check}: ${refusal.message}` : (reason ?? ""),
      sourceIp: request.sourceIp,
      headers: maskHeaders(request.headers),
      body: storedBody(request.rawBody, triggerId),
      receivedAt: request.receivedAt,
      runId: answer.runId ?? null,
    });
  }
  return answer;
}

/**
 * The body kept with a refused delivery. One that named a trigger may be
 * redelivered by an admin, so it is kept whole; one from a sender who
 * named none is kept only as a preview, so that unauthenticated traffic
 * cannot fill the disk.
 */
function storedBody(raw: Buffer, triggerId: number | null): string | null {
  if (raw.length === 0) return null;
  if (triggerId !== null) return raw.toString("utf8");
  return raw.subarray(0, ANONYMOUS_BODY_PREVIEW_BYTES).toString("utf8");
}
