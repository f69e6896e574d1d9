import type { SecretBox } from "../crypto/secret-box.ts";
import type { OutboundHttp } from "../outbound/outbound-http.ts";
import { sourceNamed } from "../sources/registry.ts";
import type { InboundDelivery } from "../sources/source.ts";
import type { Db } from "../store/database.ts";
import { sendCallback } from "./callback.ts";
import type { OutboxRow } from "./outbox-message.ts";
import { readSyncSettings } from "./read-sync-settings.ts";
import type { ReportAction, ReportOutcome } from "./reporter.ts";
import type { RunReport } from "./run-report.ts";

export interface DeliveryContext {
  db: Db;
  secretBox: SecretBox;
  http: OutboundHttp;
  now: Date;
  signal: AbortSignal;
}

/** Thrown when a message cannot be sent at all; retrying cannot help. */
export class UndeliverableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UndeliverableError";
  }
}

/**
 * Performs one attempt at a claimed message with the trigger's settings
 * and credentials as they are now (a fixed credential mends a message
 * that failed on the old one). Throws what the reporter threw.
 */
export async function deliverMessage(
  context: DeliveryContext,
  message: OutboxRow,
): Promise<ReportOutcome> {
  const { db, secretBox } = context;
  if (message.trigger_id === null) {
    throw new UndeliverableError("the run has no trigger to report through");
  }
  const trigger = await db
    .selectFrom("triggers")
    .select(["source", "sync", "credentials", "signing_secret"])
    .where("id", "=", message.trigger_id)
    .executeTakeFirst();
  if (!trigger) {
    throw new UndeliverableError(
      `trigger ${message.trigger_id} was deleted; nothing is left to ` +
        "report through",
    );
  }
  const report = JSON.parse(message.report) as RunReport;
  const sync = readSyncSettings(trigger.sync);

  if (message.action === "callback") {
    if (!sync.callbackUrl) {
      throw new UndeliverableError(
        "the trigger's sync.callback_url was removed",
      );
    }
    await sendCallback({
      url: sync.callbackUrl,
      signingSecret: secretBox.open(trigger.signing_secret),
      messageId: message.id,
      projectId: message.project_id,
      report,
      http: context.http,
      now: context.now,
      signal: context.signal,
    });
    return {};
  }

  const source = sourceNamed(trigger.source);
  const reporter = source?.reporter;
  if (!reporter) {
    throw new UndeliverableError(
      `the ${trigger.source} source does not report back`,
    );
  }
  if (trigger.credentials === null && !reporter.reportsWithoutCredentials) {
    throw new UndeliverableError(
      "the trigger has no credentials; set them with PATCH on the trigger",
    );
  }
  const run = await db
    .selectFrom("runs")
    .select("sync_state")
    .where("id", "=", message.run_id)
    .executeTakeFirstOrThrow();

  return reporter.deliver({
    action: message.action as ReportAction,
    messageId: message.id,
    attempt: message.attempts,
    report,
    sync,
    credentials:
      trigger.credentials === null
        ? {}
        : (JSON.parse(secretBox.open(trigger.credentials)) as Record<
            string,
            string
          >),
    replyTo: reporter.replyTo
      ? reporter.replyTo(await firstDeliveryBody(db, message.run_id, source))
      : {},
    state: JSON.parse(run.sync_state) as Record<string, string>,
    http: context.http,
    signal: context.signal,
  });
}

/** The parsed body of the delivery that made the run, as its source
 * parses it (Slack's form bodies, say); undefined when none is kept. */
async function firstDeliveryBody(
  db: Db,
  runId: number,
  source: NonNullable<ReturnType<typeof sourceNamed>>,
): Promise<unknown> {
  const delivery = await db
    .selectFrom("deliveries")
    .select(["headers", "body", "received_at"])
    .where("run_id", "=", runId)
    .orderBy("id")
    .executeTakeFirst();
  if (!delivery?.body) return undefined;
  const inbound: InboundDelivery = {
    headers: JSON.parse(delivery.headers) as Record<string, string>,
    rawBody: Buffer.from(delivery.body, "utf8"),
    receivedAt: new Date(delivery.received_at),
  };
  try {
    return source.parse ? source.parse(inbound) : JSON.parse(delivery.body);
  } catch {
    return undefined;
  }
}
