import { setTimeout as delay } from "node:timers/promises";

// News for work nobody here follows yet is kept this long at most (a
// callback may beat the follower to its next pause), then dropped.
const MAX_PENDING = 1000;

/**
 * Lets news of remote work (a GitLab flow callback) cut a follower's
 * pause short, in this process. A wake for work no follower is pausing
 * on is kept, so a callback that arrives while the status is being read
 * still ends the next pause at once.
 * TODO: a callback received by an api-only process does not reach a
 * follower in a worker process; it keeps its backoff (at most 15 s).
 * A PostgreSQL NOTIFY, like the job listener's, would carry it there.
 */
export class RemoteWakeups {
  readonly #waiting = new Map<string, (reason: string) => void>();
  readonly #pending = new Map<string, string>();

  /** Pauses up to `ms`; answers what woke it, or undefined on time. */
  async pause(
    key: string,
    ms: number,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const early = this.#pending.get(key);
    if (early !== undefined) {
      this.#pending.delete(key);
      return early;
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

  /** Ends the pause of the work's follower here, or keeps the news. */
  wake(key: string, reason: string): void {
    const waiting = this.#waiting.get(key);
    if (waiting) {
      this.#waiting.delete(key);
      waiting(reason);
      return;
    }
    this.#pending.delete(key);
    this.#pending.set(key, reason);
    if (this.#pending.size > MAX_PENDING) {
      const oldest = this.#pending.keys().next().value;
      if (oldest !== undefined) this.#pending.delete(oldest);
    }
  }
}
