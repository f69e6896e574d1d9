import { createHash } from "node:crypto";
import { receiptReportOf } from "../outbox/receipt-report.ts";
import type { Project } from "../projects/project.ts";
import { findRun } from "../runs/run-record.ts";
import { runView } from "../runs/run-view.ts";
import { genericSource } from "../sources/generic/index.ts";
import { mediaTypeOf } from "../sources/media-type.ts";
import { sourceNamed } from "../sources/registry.ts";
import type { InboundDelivery, Source } from "../sources/source.ts";
import type { Trigger } from "../triggers/trigger.ts";
import type { AdmissionResult } from "./admit-delivery.ts";
import { authenticate } from "./authenticate.ts";
import { cancelTicketRun } from "./cancel-ticket-run.ts";
import { finish } from "./finish-delivery.ts";
import type { IngressContext } from "./ingress-context.ts";
import { maskHeaders } from "./mask-headers.ts";
import { parseJson } from "./parse-json.ts";
import { Refusal } from "./refusal.ts";
import { readBySource } from "./source-failure.ts";

export interface DeliveryRequest extends InboundDelivery {
  projectRef: string;
  /** Set at a per-trigger URL; absent at the generic endpoint. */
  triggerId: number | undefined;
  sourceIp: string;
}

export type Outcome =
  | "accepted"
  | "duplicate"
  | "ignored"
  | "canceled"
  | "refused";

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  /** The stored delivery, when the admission recorded one. */
  deliveryId?: number;
  /** Set where the status alone does not say it (a source may answer
   * 200 for an accepted delivery). */
  outcome?: Outcome;
  /** The run a canceling delivery ended. */
  runId?: number;
  /** Why a delivery started nothing, where the body does not say it. */
  reason?: string;
}

/**
 * A delivery's whole way in, in the order STYLE.md fixes: route, auth,
 * signature, rate limit, schema, rules, then one durable commit before the
 * answer. (Size and content type were checked by the HTTP layer.)
 */
export async function receiveDelivery(
  context: IngressContext,
  request: DeliveryRequest,
): Promise<Answer> {
  let project: Project | undefined;
  try {
    project = await context.lookups.project(request.projectRef);
  } catch (error) {
    const refusal = storageUnavailable(context, error);
    return finish(context, request, undefined, refusalAnswer(refusal));
  }
  if (!project) return finish(context, request, undefined, notFound());

  let trigger: Trigger | undefined;
  try {
    await context.authFailures.check(request.sourceIp);
    trigger = await authenticate(
      context,
      project,
      request.triggerId,
      (found) => sourceFor(found, request.triggerId),
      request,
    ).catch(async (error: unknown) => {
      if (error instanceof Refusal && error.status === 401) {
        await context.authFailures.recordFailure(request.sourceIp);
      }
      throw error;
    });
    if (!trigger.enabled) {
      throw new Refusal(
        403,
        `403 Forbidden - trigger ${trigger.id} is disabled`,
        "trigger disabled",
      );
    }
    const limitHeaders = await context.triggerLimits.consume(trigger);
    const answer = await admitAuthentic(context, {
      project,
      trigger,
      source: sourceFor(trigger, request.triggerId),
      request,
    });
    return finish(
      context,
      request,
      project,
      {
        ...answer,
        headers: { ...limitHeaders, ...answer.headers },
      },
      trigger,
    );
  } catch (error) {
    const refusal =
      error instanceof Refusal ? error : storageUnavailable(context, error);
    return finish(
      context,
      request,
      project,
      refusalAnswer(refusal),
      trigger,
      refusal,
    );
  }
}

/**
 * Records a delivery that the HTTP layer refused before reading it all
 * (413, 415), so that it is counted and listed like every other refusal.
 */
export async function refuseAtEdge(
  context: IngressContext,
  request: DeliveryRequest,
  refusal: Refusal,
): Promise<Answer> {
  const project = await context.lookups
    .project(request.projectRef)
    .catch(() => undefined);
  return finish(
    context,
    request,
    project,
    refusalAnswer(refusal),
    undefined,
    refusal,
  );
}

interface Authentic {
  project: Project;
  trigger: Trigger;
  source: Source;
  request: DeliveryRequest;
  redeliveryOf?: number;
}

/**
 * Everything after authentication: parse, normalize, apply the rules and
 * commit. An admin's redelivery enters here, its authenticity vouched for
 * by the admin token instead of the sender's signature.
 */
export async function admitAuthentic(
  context: IngressContext,
  authentic: Authentic,
): Promise<Answer> {
  const { source, request } = authentic;
  checkMediaType(source, request);
  const { parse, present } = source;
  const body = parse
    ? readBySource(context.logger, source, "parse", () => parse(request))
    : parseJson(request.rawBody);
  const answer = await decide(context, authentic, body);
  if (!present) return answer;
  const shaped = readBySource(context.logger, source, "present", () =>
    present({ status: answer.status, body: answer.body }, body),
  );
  return { ...answer, status: shaped.status, body: shaped.body };
}

/** What the delivery asks for, after the trigger's rules, and its answer. */
async function decide(
  context: IngressContext,
  authentic: Authentic,
  body: unknown,
): Promise<Answer> {
  const { project, trigger, source, request } = authentic;
  const verifiedAt = context.now();
  const normalized = readBySource(context.logger, source, "normalize", () =>
    source.normalize(body, trigger, request),
  );
  if (normalized.kind === "ignored") {
    return {
      status: 200,
      body: { status: "ignored", reason: normalized.reason },
      headers: {},
      outcome: "ignored",
    };
  }
  if (normalized.kind === "reply") {
    return {
      status: 200,
      body: normalized.body,
      headers: {},
      outcome: "ignored",
      reason: normalized.reason,
    };
  }
  if (normalized.kind === "cancel") {
    return cancelTicketRun(context, {
      project,
      trigger,
      externalReference: normalized.externalReference,
      reason: normalized.reason,
      onlyIfRunLabelled: normalized.onlyIfRunLabelled,
      sourceIp: request.sourceIp,
    });
  }

  const { ticket, followUp } = normalized;
  const workflowType = ticket.workflowType ?? trigger.defaultWorkflowType;
  if (!trigger.workflowTypes.includes(workflowType)) {
    throw new Refusal(
      403,
      `403 Forbidden - workflow type "${workflowType}" is not allowed by trigger ${trigger.id}`,
      "workflow type",
    );
  }

  const deliveryId = readBySource(context.logger, source, "delivery id", () =>
    source.deliveryId(request, body),
  );
  const reportReceipt = receiptReportOf(trigger, context.publicUrl);
  let result: AdmissionResult;
  try {
    result = await context.batcher.submit({
      project: { id: project.id, path: project.path },
      trigger: {
        id: trigger.id,
        executor: trigger.executor,
        source: trigger.source,
        auth: trigger.auth,
      },
      ticket: {
        workflowType: ticket.workflowType,
        title: ticket.title,
        description: ticket.description,
        externalReference: ticket.externalReference,
        externalUrl: ticket.externalUrl,
        externalSystem: ticket.externalSystem,
      },
      contextJson: JSON.stringify(ticket.context),
      workflowType,
      deliveryKey: deliveryId
        ? `id:${deliveryId}`
        : `sha256:${createHash("sha256").update(request.rawBody).digest("hex")}`,
      sourceIp: request.sourceIp,
      headersJson: JSON.stringify(maskHeaders(request.headers)),
      body: request.rawBody.toString("utf8"),
      receivedAt: request.receivedAt,
      verifiedAt,
      ...(followUp
        ? {
            followUp: {
              instruction: followUp.instruction,
              author: followUp.author ?? null,
            },
          }
        : {}),
      ...(authentic.redeliveryOf
        ? { redeliveryOf: authentic.redeliveryOf }
        : {}),
      ...(reportReceipt ? { reportReceipt } : {}),
    });
  } catch (error) {
    throw storageUnavailable(context, error);
  }

  if (result.kind === "accepted") {
    const statusUrl = `${context.publicUrl}/api/v4/projects/${project.id}/workflows/runs/${result.runId}`;
    return {
      status: 202,
      body: {
        id: result.runId,
        status: "queued",
        workflow_type: workflowType,
        external_reference: ticket.externalReference,
        status_url: statusUrl,
        web_url: statusUrl,
      },
      headers: {},
      deliveryId: result.deliveryId,
      outcome: "accepted",
    };
  }
  const run = await findRun(context.db, project.id, result.runId);
  const view = run
    ? await runView(context.db, run, {
        publicUrl: context.publicUrl,
        projectPath: project.path,
        withEvents: false,
      })
    : { id: result.runId };
  return {
    status: 200,
    body: { ...view, duplicate: true },
    headers: {},
    deliveryId: result.deliveryId,
    outcome: "duplicate",
  };
}

function sourceFor(trigger: Trigger, triggerId: number | undefined): Source {
  // The generic endpoint always speaks the generic shape.
  if (triggerId === undefined) return genericSource;
  const source = sourceNamed(trigger.source);
  if (!source) {
    throw new Refusal(
      403,
      `403 Forbidden - source "${trigger.source}" is not supported`,
      "source",
    );
  }
  return source;
}

/**
 * JSON is always understood; a source may accept more (Slack's slash
 * commands are form-encoded). Checked once the trigger, and so its
 * source, is known.
 */
function checkMediaType(source: Source, request: InboundDelivery): void {
  const type = mediaTypeOf(request.headers["content-type"]);
  if (type === "application/json") return;
  if (type && source.extraMediaTypes?.includes(type)) return;
  throw new Refusal(
    415,
    "415 Unsupported Media Type - send the body as application/json in UTF-8",
    "content type",
  );
}

function notFound(): Answer {
  return {
    status: 404,
    body: { message: "404 Not Found" },
    headers: {},
  };
}

const STORAGE_RETRY_AFTER_SECONDS = 5;

/**
 * A database failure anywhere on the way in (DESIGN.md §4.3): nothing
 * was accepted and the sender should retry; the log says what failed.
 */
function storageUnavailable(context: IngressContext, error: unknown): Refusal {
  context.logger.error({ err: error }, "storage refused a delivery");
  return new Refusal(
    503,
    "503 Service Unavailable - storage is unavailable; nothing was accepted, retry later",
    "storage",
    { headers: { "retry-after": String(STORAGE_RETRY_AFTER_SECONDS) } },
  );
}

function refusalAnswer(refusal: Refusal): Answer {
  return {
    status: refusal.status,
    body: {
      message: refusal.message,
      ...(refusal.extra.errors ? { errors: refusal.extra.errors } : {}),
    },
    headers: refusal.extra.headers ?? {},
  };
}
