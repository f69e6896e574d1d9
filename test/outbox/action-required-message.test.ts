import { describe, expect, it } from "vitest";
import type { RunReport } from "../../src/outbox/run-report.ts";
import { trackingMessage } from "../../src/outbox/tracking-message.ts";

const RUN_URL = "https://flowgate.example.com/acme/shop/-/workflows/runs/7";
const SESSION =
  "https://gitlab.example.com/acme/shop/-/automate/agent-sessions/9";

function waiting(action: RunReport["action"]): RunReport {
  return {
    event: "action_required",
    runId: 7,
    runUrl: RUN_URL,
    status: "running",
    externalSystem: "jira",
    externalReference: "SHOP-1",
    externalUrl: null,
    branch: "ai/SHOP-1-fix-login",
    mergeRequest: null,
    error: null,
    action,
    at: "2025-05-01T10:00:00.000Z",
  };
}

describe("the tracking message of a run waiting for a person", () => {
  it("says what to do and links where, keeping the run's marker", () => {
    const message = trackingMessage(
      waiting({ text: "answer the flow's question in GitLab", url: SESSION }),
    );

    expect(message.headline).toBe("Flowgate's run #7 waits for a person.");
    expect(message.lines).toEqual([
      "To go on: answer the flow's question in GitLab.",
    ]);
    expect(message.links).toEqual([
      { text: "Open it in GitLab", url: SESSION },
      { text: "Flowgate run #7", url: RUN_URL },
    ]);
    expect(message.marker).toBe(RUN_URL);
  });

  it("still links the run when the work has no page of its own", () => {
    const message = trackingMessage(waiting(undefined));

    expect(message.lines).toEqual(["To go on: act on the work in GitLab."]);
    expect(message.links).toEqual([{ text: "Flowgate run #7", url: RUN_URL }]);
  });
});
