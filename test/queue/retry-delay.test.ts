import { describe, expect, it } from "vitest";
import { retryDelayMs } from "../../src/queue/job.ts";

const SECOND = 1000;
const CAP = 5 * 60 * SECOND;

/** The exponential ceiling for an attempt: 2 s, 4 s, 8 s … up to 5 min. */
function ceiling(attempt: number): number {
  return Math.min(CAP, 2 * SECOND * 2 ** (attempt - 1));
}

describe("retryDelayMs", () => {
  it("doubles with each attempt until it reaches five minutes", () => {
    const atTop = (attempt: number) => retryDelayMs(attempt, () => 1);

    expect([1, 2, 3, 4].map(atTop)).toEqual([2000, 4000, 8000, 16000]);
    expect(atTop(9)).toBe(CAP);
    expect(atTop(50)).toBe(CAP);
  });

  it("stays between half the ceiling and the ceiling whatever the jitter", () => {
    for (let attempt = 1; attempt <= 12; attempt += 1) {
      for (const random of [0, 0.001, 0.25, 0.5, 0.999, 0.999999]) {
        const delay = retryDelayMs(attempt, () => random);
        expect(delay).toBeGreaterThanOrEqual(ceiling(attempt) / 2);
        expect(delay).toBeLessThanOrEqual(ceiling(attempt));
      }
    }
  });

  it("spreads jobs that fail together over the window", () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelayMs(5)));

    expect(delays.size).toBeGreaterThan(10);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(ceiling(5) / 2);
      expect(delay).toBeLessThanOrEqual(ceiling(5));
    }
  });

  it("never shrinks from one attempt to the next at the same jitter", () => {
    for (const random of [0, 0.3, 0.9]) {
      const delays = Array.from({ length: 15 }, (_, index) =>
        retryDelayMs(index + 1, () => random),
      );
      for (let index = 1; index < delays.length; index += 1) {
        expect(delays[index]).toBeGreaterThanOrEqual(delays[index - 1] ?? 0);
      }
    }
  });
});
