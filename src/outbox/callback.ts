import { createHmac } from "node:crypto";
import { OutboundError } from "../outbound/outbound-errors.ts";
import type { OutboundHttp } from "../outbound/outbound-http.ts";
import type { RunReport } from "./run-report.ts";

const SECRET_PREFIX = "whsec_";

export interface CallbackCall {
  url: string;
  /** The trigger's current signing secret, opened. */
  signingSecret: string;
  messageId: number;
  projectId: number;
  report: RunReport;
  http: OutboundHttp;
  now: Date;
  signal: AbortSignal;
}

/**
 * POSTs a run event to the trigger's `sync.callback_url`, signed the
 * Standard Webhooks way with the trigger's signing secret, so a receiver
 * verifies it as Flowgate verifies what it receives. The `webhook-id` is
 * the message's, the same on every attempt: a receiver that saw it
 * already can drop the repeat.
 */
export async function sendCallback(call: CallbackCall): Promise<void> {
  const { report } = call;
  const body = JSON.stringify({
    type: `run.${report.event}`,
    timestamp: report.at,
    data: {
      id: report.runId,
      project_id: call.projectId,
      status: report.status,
      external_system: report.externalSystem,
      external_reference: report.externalReference,
      external_url: report.externalUrl,
      branch: report.branch,
      merge_request: report.mergeRequest && {
        iid: report.mergeRequest.iid,
        web_url: report.mergeRequest.webUrl,
      },
      error: report.error,
      ...(report.action ? { action: report.action } : {}),
      web_url: report.runUrl,
    },
  });
  const id = `msg_flowgate_${call.messageId}`;
  const timestamp = String(Math.floor(call.now.getTime() / 1000));
  const signature = createHmac("sha256", signingKey(call.signingSecret))
    .update(`${id}.${timestamp}.${body}`)
    .digest("base64");
  try {
    await call.http.send({
      method: "POST",
      url: call.url,
      headers: {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": timestamp,
        "webhook-signature": `v1,${signature}`,
      },
      body,
      signal: call.signal,
    });
  } catch (error) {
    throw originOnly(error, new URL(call.url).origin);
  }
}

/**
 * The error with the callback URL shown as its origin only: an incoming
 * webhook URL (Slack's, say) carries its secret in the path, and the
 * error becomes the message's `last_error`, its timeline and the logs.
 * Kept: whether it is worth retrying, and the server's Retry-After.
 */
function originOnly(error: unknown, origin: string): unknown {
  if (!(error instanceof OutboundError)) return error;
  const escaped = origin.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const message = error.message.replace(
    new RegExp(`${escaped}\\S*`, "g"),
    origin,
  );
  return new OutboundError(message, error.transient, {
    retryAfterMs: error.retryAfterMs,
  });
}

/** A `whsec_` secret's key is its decoded base64; any other text is
 * used as it is (the sources whose senders make their own secrets). */
function signingKey(secret: string): Buffer {
  return secret.startsWith(SECRET_PREFIX)
    ? Buffer.from(secret.slice(SECRET_PREFIX.length), "base64")
    : Buffer.from(secret, "utf8");
}
