import type pg from "pg";
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
} from "rate-limiter-flexible";
import type { Trigger } from "../triggers/trigger.ts";
import { Refusal } from "./refusal.ts";

const MINUTE_SECONDS = 60;

export type RateLimitHeaders = Record<string, string>;

type LimiterFactory = (points: number, seconds: number) => RateLimiterAbstract;

/** Counters in this process's memory: one SQLite process is the whole
 * deployment. */
export const inMemoryLimiters: LimiterFactory = (points, duration) =>
  new RateLimiterMemory({ points, duration });

/**
 * Counters in PostgreSQL (the `rate_limits` table of migration 002), so
 * that every API process of a deployment draws on one limit per trigger.
 * Each delivery costs one upsert there.
 */
export function postgresLimiters(pool: pg.Pool): LimiterFactory {
  return (points, duration) =>
    new RateLimiterPostgres({
      storeClient: pool,
      storeType: "pool",
      tableName: "rate_limits",
      tableCreated: true,
      keyPrefix: `trigger-${points}-${duration}`,
      points,
      duration,
    });
}

/**
 * Per-trigger limits, each with the trigger's own limit and window. A
 * limiter is rebuilt when the trigger's settings change.
 */
export class TriggerRateLimits {
  readonly #limiters = new Map<
    number,
    { limit: number; window: number; limiter: RateLimiterAbstract }
  >();

  constructor(private readonly createLimiter: LimiterFactory) {}

  /** Counts one delivery; throws a 429 Refusal when over the limit. */
  async consume(trigger: Trigger): Promise<RateLimitHeaders> {
    const { limit, windowSeconds } = trigger.rateLimit;
    if (limit === 0) return {};

    const limiter = this.#limiterFor(trigger.id, limit, windowSeconds);
    try {
      const result = await limiter.consume(String(trigger.id));
      return headers(limit, result);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const answer = headers(limit, error);
      throw new Refusal(
        429,
        `429 Too Many Requests - trigger ${trigger.id} allows ${limit} ` +
          `deliveries per ${windowSeconds} s`,
        "rate limit",
        {
          headers: {
            ...answer,
            "retry-after": answer["ratelimit-reset"] ?? "1",
          },
        },
      );
    }
  }

  #limiterFor(id: number, limit: number, window: number): RateLimiterAbstract {
    const known = this.#limiters.get(id);
    if (known && known.limit === limit && known.window === window) {
      return known.limiter;
    }
    const limiter = this.createLimiter(limit, window);
    this.#limiters.set(id, { limit, window, limiter });
    return limiter;
  }
}

/**
 * Failed authentication per source address: a sender guessing tokens is
 * stopped before it can try many, whatever trigger it aims at.
 */
export class AuthFailureLimits {
  readonly #limiter: RateLimiterMemory;

  constructor(readonly perMinute: number) {
    this.#limiter = new RateLimiterMemory({
      points: perMinute,
      duration: MINUTE_SECONDS,
    });
  }

  /** Throws a 429 Refusal while the address has used up its failures. */
  async check(address: string): Promise<void> {
    const state = await this.#limiter.get(address);
    if (state && state.consumedPoints >= this.perMinute) {
      const reset = Math.max(1, Math.ceil(state.msBeforeNext / 1000));
      throw new Refusal(
        429,
        "429 Too Many Requests - too many failed authentications from this address",
        "auth failure limit",
        { headers: { "retry-after": String(reset) } },
      );
    }
  }

  async recordFailure(address: string): Promise<void> {
    await this.#limiter.penalty(address, 1);
  }
}

function headers(limit: number, result: RateLimiterRes): RateLimitHeaders {
  return {
    "ratelimit-limit": String(limit),
    "ratelimit-remaining": String(Math.max(0, result.remainingPoints)),
    "ratelimit-reset": String(
      Math.max(1, Math.ceil(result.msBeforeNext / 1000)),
    ),
  };
}
