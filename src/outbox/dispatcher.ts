import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Clock } from "../clock.ts";
import type { SecretBox } from "../crypto/secret-box.ts";
import type { OutboundHttp } from "../outbound/outbound-http.ts";
import { ClaimLoop } from "../queue/claim-loop.ts";
import type { Db } from "../store/database.ts";
import { claimMessage } from "./claim-message.ts";
import { deliverMessage } from "./deliver-message.ts";
import type { OutboxRow } from "./outbox-message.ts";
import { renewMessageLease } from "./renew-message-lease.ts";
import { nextAttempt } from "./retry-policy.ts";
import { markDelivered, markFailed, markSuperseded } from "./settle-message.ts";
import { supersededBy } from "./superseded-by.ts";

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const MAX_ERROR_CHARS = 1000;

export interface DispatcherOptions {
  db: Db;
  secretBox: SecretBox;
  http: OutboundHttp;
  logger: Logger;
  now: Clock;
  /** Messages in flight at once. */
  concurrency?: number;
  /** How long a claimed message is held; past it another may take it. */
  leaseMs?: number;
  /** A fallback for due retries and other processes' messages. */
  pollMs?: number;
  /** Draws the backoff's jitter (retry-policy.ts). */
  random?: () => number;
}

/**
 * Sends the outbox's messages to the external systems. `wake()` is called
 * after a transaction writes messages, so the "on it" comment leaves at
 * once; the poll finds retries that fell due and messages written by
 * other processes (an API process's merge, say).
 */
export class Dispatcher {
  readonly id = `dispatcher-${randomUUID()}`;
  readonly #options: Required<DispatcherOptions>;
  readonly #holding = new Set<number>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #controller = new AbortController();
  readonly #loop: ClaimLoop;

  constructor(options: DispatcherOptions) {
    this.#options = {
      concurrency: 4,
      leaseMs: MINUTE_MS,
      pollMs: 500,
      random: Math.random,
      ...options,
    };
    this.#loop = new ClaimLoop(
      () => this.#fill(),
      this.#options.pollMs,
      (error) =>
        this.#options.logger.error({ err: error }, "claiming messages failed"),
    );
  }

  start(): void {
    this.#loop.start();
  }

  wake(): void {
    this.#loop.wake();
  }

  /** Stops claiming, lets messages in flight finish for a moment, then
   * aborts them; an aborted message's lease lets it be sent again. */
  async stop(graceMs = 5 * SECOND_MS): Promise<void> {
    this.#loop.stop();
    const all = Promise.allSettled([...this.#inFlight]);
    const timeout = new Promise((resolve) =>
      setTimeout(resolve, graceMs).unref(),
    );
    await Promise.race([all, timeout]);
    this.#controller.abort();
    await all;
  }

  async #fill(): Promise<void> {
    const { db, concurrency, leaseMs, now } = this.#options;
    while (!this.#loop.stopped && this.#holding.size < concurrency) {
      const message = await claimMessage(db, {
        dispatcherId: this.id,
        now: now(),
        leaseMs,
        holding: this.#holding,
      });
      if (!message) return;
      this.#holding.add(message.id);
      const done = this.#send(message).finally(() => {
        this.#holding.delete(message.id);
        this.#inFlight.delete(done);
        this.wake();
      });
      this.#inFlight.add(done);
    }
  }

  async #send(message: OutboxRow): Promise<void> {
    const { db, secretBox, http, logger, now } = this.#options;
    const log = logger.child({
      run_id: message.run_id,
      message_id: message.id,
      event: message.event,
      action: message.action,
      attempt: message.attempts,
    });
    const started = now();
    const lease = this.#holdLease(message, log);
    try {
      const newer = await supersededBy(db, message);
      if (newer !== undefined) {
        await markSuperseded(db, message, newer, now());
        log.info({ superseded_by: newer }, "message superseded; not sent");
        return;
      }
      const outcome = await deliverMessage(
        { db, secretBox, http, now: started, signal: lease.signal },
        message,
      );
      const at = now();
      await markDelivered(
        db,
        message,
        { state: outcome.state ?? {}, details: outcome.details ?? {} },
        at,
        at.getTime() - started.getTime(),
      );
      log.info("message delivered");
    } catch (caught) {
      if (this.#controller.signal.aborted) {
        log.warn("message interrupted by shutdown; its lease will lapse");
        return;
      }
      if (lease.signal.aborted) {
        log.warn(
          { err: lease.signal.reason },
          "message abandoned: this dispatcher lost its lease",
        );
        return;
      }
      const error = asError(caught);
      const at = now();
      const next = nextAttempt(message, error, at, this.#options.random);
      const retryAt = "retryAt" in next ? next.retryAt : undefined;
      const reason = "reason" in next ? next.reason : error.message;
      await markFailed(
        db,
        message,
        { error: reason.slice(0, MAX_ERROR_CHARS), retryAt },
        at,
        at.getTime() - started.getTime(),
      ).catch((settleError: unknown) =>
        log.error({ err: settleError }, "recording a message failure failed"),
      );
      if (retryAt) {
        log.warn({ err: error, retry_at: retryAt }, "message will retry");
      } else {
        log.error({ err: error }, "message gave up");
      }
    } finally {
      lease.release();
    }
  }

  /**
   * Renews a message's lease every third of it while it is sent: one
   * message can chain many calls (a comment search over pages, then a
   * write), each up to FLOWGATE_OUTBOUND_TIMEOUT_S, and another
   * dispatcher must not take it meanwhile. As the job worker does, the
   * send is aborted when the lease is lost: taken by another after a
   * lapse, or past its end while the database could not be reached.
   */
  #holdLease(
    message: OutboxRow,
    log: Logger,
  ): { signal: AbortSignal; release(): void } {
    const { db, leaseMs, now } = this.#options;
    const lost = new AbortController();
    let heldUntil = Date.parse(message.locked_until ?? "") || 0;
    const timer = setInterval(() => {
      const until = new Date(now().getTime() + leaseMs);
      renewMessageLease(db, message, until).then(
        (held) => {
          if (held) heldUntil = until.getTime();
          else lost.abort(new Error("another dispatcher holds the message"));
        },
        (error: unknown) => {
          const lapsed = now().getTime() >= heldUntil;
          log.warn(
            { err: error, lease_lost: lapsed },
            "renewing a message's lease failed",
          );
          if (lapsed) lost.abort(new Error("the message's lease ran out"));
        },
      );
    }, leaseMs / 3);
    return {
      signal: AbortSignal.any([this.#controller.signal, lost.signal]),
      release: () => clearInterval(timer),
    };
  }
}

function asError(value: unknown): Error {
  return value instanceof Error
    ? value
    : new Error(String(value), { cause: value });
}
