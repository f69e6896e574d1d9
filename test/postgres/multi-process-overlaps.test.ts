import { describe, expect, it } from "vitest";
import { type Execution, logTime, overlaps } from "./multi-process-overlaps.ts";

// The multi-process test's overlap check, shown able to fail: it once
// compared pino's ISO time strings by subtraction, which gave NaN and
// let every overlap pass.

const T = Date.parse("2026-01-01T00:00:00.000Z");

function execution(
  jobId: number,
  process: string,
  startMs: number,
  endMs: number,
): Execution {
  return { jobId, projectId: 1, process, start: T + startMs, end: T + endMs };
}

const byJob = (execution: Execution) => String(execution.jobId);

describe("overlaps", () => {
  it("finds one job on two workers at once", () => {
    const found = overlaps(
      [execution(7, "worker-1", 0, 100), execution(7, "worker-2", 50, 150)],
      byJob,
      1,
    );

    expect(found).toEqual([`7 at ${T + 50}: 2 for 50 ms`]);
  });

  it("finds more executions of one project at once than its limit", () => {
    const found = overlaps(
      [
        execution(1, "worker-1", 0, 100),
        execution(2, "worker-2", 10, 100),
        execution(3, "worker-3", 20, 100),
      ],
      (e) => String(e.projectId),
      2,
    );

    expect(found).toEqual([`1 at ${T + 20}: 3 for 80 ms`]);
  });

  it("takes an end and a start at the same millisecond as a handover", () => {
    expect(
      overlaps(
        [execution(7, "worker-1", 0, 100), execution(7, "worker-2", 100, 200)],
        byJob,
        1,
      ),
    ).toEqual([]);
  });

  it("forgives an end logged up to the slack after the next start, no more", () => {
    const handover = [
      execution(7, "worker-1", 0, 100),
      execution(7, "worker-2", 90, 200),
    ];

    expect(overlaps(handover, byJob, 1, 10)).toEqual([]);
    expect(overlaps(handover, byJob, 1, 9)).toEqual([
      `7 at ${T + 90}: 2 for 1 ms`,
    ]);
  });

  it("reads pino's ISO times, and refuses one that does not parse", () => {
    expect(logTime("2026-01-01T00:00:00.250Z")).toBe(T + 250);
    expect(() => logTime("yesterday")).toThrow(/does not parse/);
    expect(() =>
      overlaps(
        [{ ...execution(7, "worker-1", 0, 1), end: undefined }],
        byJob,
        1,
      ),
    ).toThrow(/does not parse/);
  });
});
