import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import type { Logger } from "pino";
import { decodeWake, encodeWake } from "./wake-message.ts";

const SECOND_MS = 1000;
// News for work nobody here follows yet (a callback may beat the
// follower to its next pause) is kept for so many keys at most, and
// only so long: well past the longest pause (15 s) and a status read,
// after which the follower has read the news for itself.
const MAX_PENDING = 1000;
const MAX_PENDING_AGE_MS = 60 * SECOND_MS;

export interface RemoteWakeupsOptions {
  logger: Logger;
  /**
   * Carries a wake to the other processes of the deployment (a
   * PostgreSQL NOTIFY); they hand it to `receive`. Does nothing where
   * one process is the deployment.
   */
  broadcast?: ((message: string) => Promise<void>) | undefined;
  /** Milliseconds on a clock that never goes back; tests set it. */
  monotonicMs?: () => number;
}

/**
 * Lets news of remote work (a GitLab flow callback) cut a follower's
 * pause short, in whichever process of the deployment the follower runs.
 * A wake for work no follower is pausing on is kept for a while, so a
 * callback that arrives while the status is being read still ends the
 * next pause at once.
 */
export class RemoteWakeups {
  readonly #waiting = new Map<string, (reason: string) => void>();
  readonly #pending = new Map<string, { reason: string; at: number }>();
  // Names this process's wakes, which come back to it on PostgreSQL.
  readonly #origin = randomUUID();
  readonly #logger: Logger;
  readonly #broadcast: RemoteWakeupsOptions["broadcast"];
  readonly #monotonicMs: () => number;

  constructor(options: RemoteWakeupsOptions) {
    this.#logger = options.logger;
    this.#broadcast = options.broadcast;
    this.#monotonicMs = options.monotonicMs ?? (() => performance.now());
  }

  /** Pauses up to `ms`; answers what woke it, or undefined on time. */
  async pause(
    key: string,
    ms: number,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const early = this.#pending.get(key);
    if (early !== undefined) {
      this.#pending.delete(key);
      const age = this.#monotonicMs() - early.at;
      if (age <= MAX_PENDING_AGE_MS) return early.reason;
    }
    const stop = new AbortController();
    const woken = new Promise<string>((resolve) => {
      this.#waiting.set(key, resolve);
    });
    try {
      return await Promise.race([
        woken,
        delay(ms, undefined, {
          signal: AbortSignal.any([signal, stop.signal]),
        }),
      ]);
    } finally {
      // Ends the losing timer; the race already handles its rejection.
      stop.abort();
      this.#waiting.delete(key);
    }
  }

  /**
   * Wakes the work's follower here at once, and in the other processes
   * of the deployment. Never fails: news that cannot reach them is
   * logged, and their followers read the status after their backoff.
   */
  async announce(key: string, reason: string): Promise<void> {
    this.wake(key, reason);
    if (!this.#broadcast) return;
    const message = encodeWake({ origin: this.#origin, key, reason });
    try {
      await this.#broadcast(message);
    } catch (error) {
      this.#logger.warn(
        { err: error, key, reason },
        "could not pass news of remote work to the other processes; " +
          "a follower there reads the status after its backoff instead",
      );
    }
  }

  /** Takes a wake another process announced (its broadcast's text). */
  receive(message: string): void {
    const wake = decodeWake(message);
    if (!wake) {
      this.#logger.warn(
        { length: message.length },
        "ignored a wake notification in a form Flowgate does not " +
          "send; another client, or a Flowgate of another version, " +
          "notifies its wake channel",
      );
      return;
    }
    // Announcing woke this process already: a second wake would end
    // the follower's next pause with news it has read.
    if (wake.origin === this.#origin) return;
    this.wake(wake.key, wake.reason);
  }

  /** Ends the pause of the work's follower here, or keeps the news. */
  wake(key: string, reason: string): void {
    const waiting = this.#waiting.get(key);
    if (waiting) {
      this.#waiting.delete(key);
      waiting(reason);
      return;
    }
    this.#pending.delete(key);
    this.#pending.set(key, { reason, at: this.#monotonicMs() });
    if (this.#pending.size > MAX_PENDING) {
      const oldest = this.#pending.keys().next().value;
      if (oldest !== undefined) this.#pending.delete(oldest);
    }
  }
}
