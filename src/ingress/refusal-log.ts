import type { Logger } from "pino";
import {
  ANONYMOUS_ACTOR,
  recordAuditEvent,
  triggerActor,
} from "../audit/audit-event.ts";
import type { Db } from "../store/database.ts";

export interface UnacceptedDelivery {
  project: { id: number; path: string };
  triggerId: number | null;
  outcome: "refused" | "ignored" | "canceled";
  statusCode: number;
  reason: string;
  sourceIp: string | null;
  headers: Record<string, string>;
  body: string | null;
  receivedAt: Date;
  /** The run a canceling delivery ended. */
  runId?: number | null;
}

const FLUSH_MS = 50;
const MAX_BUFFER = 10_000;

/**
 * Records deliveries that started nothing. Nothing was promised to their
 * senders, so they are written in batches after the answer, keeping a
 * flood of bad requests from costing one transaction each.
 */
export class RefusalLog {
  #buffer: UnacceptedDelivery[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  record(delivery: UnacceptedDelivery): void {
    if (this.#buffer.length >= MAX_BUFFER) {
      this.logger.warn("refusal log buffer full; dropping a refused delivery");
      return;
    }
    this.#buffer.push(delivery);
    this.#timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Writes what is buffered; resolves when it is on disk. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#buffer;
    this.#buffer = [];
    if (batch.length === 0) return this.#writing;
    this.#writing = this.#writing
      .then(() => this.#write(batch))
      .catch((error: unknown) =>
        this.logger.error(
          { err: error, count: batch.length },
          "recording refused deliveries failed",
        ),
      );
    return this.#writing;
  }

  async #write(batch: UnacceptedDelivery[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const delivery of batch) {
        const row = await trx
          .insertInto("deliveries")
          .values({
            project_id: delivery.project.id,
            trigger_id: delivery.triggerId,
            delivery_key: null,
            outcome: delivery.outcome,
            status_code: delivery.statusCode,
            reason: delivery.reason,
            run_id: delivery.runId ?? null,
            source_ip: delivery.sourceIp,
            headers: JSON.stringify(delivery.headers),
            body: delivery.body,
            received_at: delivery.receivedAt.toISOString(),
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        await recordAuditEvent(trx, {
          actor: delivery.triggerId
            ? triggerActor(delivery.triggerId)
            : ANONYMOUS_ACTOR,
          project: delivery.project,
          action: `${delivery.outcome} delivery`,
          target: { type: "Delivery", id: row.id },
          ipAddress: delivery.sourceIp,
          details: { status: delivery.statusCode, reason: delivery.reason },
          at: delivery.receivedAt,
        });
      }
    });
  }
}
