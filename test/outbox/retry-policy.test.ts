import { describe, expect, it } from "vitest";
import {
  OutboundError,
  OutboundRefusedError,
  OutboundStatusError,
} from "../../src/outbound/outbound-errors.ts";
import { UndeliverableError } from "../../src/outbox/deliver-message.ts";
import { nextAttempt } from "../../src/outbox/retry-policy.ts";

// The dispatcher's retry formulas, with the jitter's random numbers
// chosen by the test.

const AT = new Date("2026-12-04T10:00:00.000Z");
const DAY_MS = 24 * 60 * 60 * 1000;
const GIVE_UP_AT = new Date(AT.getTime() + DAY_MS).toISOString();
const SERVER_DOWN = new OutboundStatusError(
  "POST https://hooks.example.com answered 503",
  503,
  "",
  undefined,
);

function delayOf(
  attempts: number,
  error: Error,
  random: () => number,
  at = AT,
): number {
  const next = nextAttempt(
    { attempts, give_up_at: GIVE_UP_AT },
    error,
    at,
    random,
  );
  if (!("retryAt" in next)) throw new Error(`gave up: ${next.reason}`);
  return next.retryAt.getTime() - at.getTime();
}

describe("the backoff without Retry-After", () => {
  it("doubles its ceiling from one second per attempt up to ten minutes", () => {
    const ceilings = Array.from({ length: 13 }, (_, index) =>
      delayOf(index + 1, SERVER_DOWN, () => 1),
    );
    expect(ceilings).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000,
      512_000, 600_000, 600_000, 600_000,
    ]);
  });

  it("draws the delay uniformly below the ceiling (full jitter)", () => {
    expect(delayOf(4, SERVER_DOWN, () => 0)).toBe(0);
    expect(delayOf(4, SERVER_DOWN, () => 0.25)).toBe(2_000);
    expect(delayOf(4, SERVER_DOWN, () => 0.5)).toBe(4_000);
    const draws = [0.01, 0.33, 0.5, 0.72, 0.999];
    for (const [index, draw] of draws.entries()) {
      const attempts = index + 3;
      const ceiling = 1_000 * 2 ** (attempts - 1);
      const delay = delayOf(attempts, SERVER_DOWN, () => draw);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(ceiling);
      expect(delay).toBe(Math.round(ceiling * draw));
    }
  });

  it("retries network failures too, which carry no Retry-After", () => {
    const reset = new OutboundError("POST … failed: socket hang up", true);
    expect(delayOf(2, reset, () => 0.5)).toBe(1_000);
  });
});

describe("a server's Retry-After", () => {
  const asking = (retryAfterMs: number) =>
    new OutboundStatusError("POST … answered 429", 429, "", retryAfterMs);

  it("sets the next attempt at the failure time plus the wait, whatever the jitter", () => {
    expect(delayOf(1, asking(7_000), () => 0)).toBe(7_000);
    expect(delayOf(9, asking(7_000), () => 0.9)).toBe(7_000);
  });

  it("is never shorter than a second, so Retry-After: 0 cannot loop", () => {
    expect(delayOf(1, asking(0), () => 0.5)).toBe(1_000);
    expect(delayOf(1, asking(10), () => 0.5)).toBe(1_000);
  });

  it("is cut to the give-up time, for a last attempt then", () => {
    const late = new Date(AT.getTime() + DAY_MS - 60_000);
    expect(delayOf(3, asking(3_600_000), () => 0.5, late)).toBe(60_000);
  });
});

describe("giving up", () => {
  it("gives up once the give-up time has come, saying the time ran out and what failed last", () => {
    const at = new Date(AT.getTime() + DAY_MS);
    const next = nextAttempt(
      { attempts: 31, give_up_at: GIVE_UP_AT },
      SERVER_DOWN,
      at,
      () => 0.5,
    );
    expect(next).toEqual({ giveUp: true, reason: expect.any(String) });
    const reason = "reason" in next ? next.reason : "";
    expect(reason).toContain(`time ran out at ${GIVE_UP_AT}`);
    expect(reason).toContain("sync.give_up_after_s");
    expect(reason).toContain("after 31 attempts");
    expect(reason).toContain("answered 503");
  });

  it("retries until a millisecond before the give-up time", () => {
    const justBefore = new Date(AT.getTime() + DAY_MS - 1);
    expect(delayOf(31, SERVER_DOWN, () => 0.5, justBefore)).toBe(1);
  });

  it("gives up at once on what retrying cannot mend, with its own reason", () => {
    for (const error of [
      new OutboundStatusError("PUT … answered 403", 403, "", undefined),
      new OutboundRefusedError("POST … refused: 10.0.0.1 is private"),
      new UndeliverableError("the trigger's sync.callback_url was removed"),
    ]) {
      expect(
        nextAttempt(
          { attempts: 1, give_up_at: GIVE_UP_AT },
          error,
          AT,
          () => 0,
        ),
      ).toEqual({ giveUp: true, reason: error.message });
    }
  });
});
