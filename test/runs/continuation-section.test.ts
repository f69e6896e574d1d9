import { expect, it } from "vitest";
import { withContinuation } from "../../src/runs/continuation-section.ts";

const OPENED = "Ticket: PROJ-1 (jira)\n\n## Summary\n\nFirst run.\n";

it("replaces a retried run's own section instead of adding a second one", () => {
  const run = { runId: 7, runUrl: "http://flowgate/runs/7" };
  const stopped = withContinuation(OPENED, {
    ...run,
    result: {
      summary: "Half done.\n\n## Changes\n\n- a.txt",
      complete: false,
      stopped: "the agent stopped before finishing: it ran out of time",
    },
  });
  const retried = withContinuation(`${stopped}\n## Follow-up\n\n> more\n`, {
    ...run,
    result: { summary: "All done.", complete: true },
  });

  expect(stopped).toContain("> **Incomplete:** the agent stopped");
  expect(retried.match(/## Run \[7\]/g)).toHaveLength(1);
  expect(retried).toContain("All done.");
  expect(retried).not.toContain("Half done.");
  expect(retried).not.toContain("**Incomplete:**");
  expect(retried).toContain("## Follow-up\n\n> more");
  expect(retried.startsWith(OPENED.trimEnd())).toBe(true);
});
