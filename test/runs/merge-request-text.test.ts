import { describe, expect, it } from "vitest";
import {
  commitMessage,
  mergeRequestDescription,
  mergeRequestTitle,
} from "../../src/runs/merge-request-text.ts";
import type { Ticket } from "../../src/tickets/ticket.ts";

const RUN_URL = "http://flowgate.test/api/v4/projects/1/workflows/runs/9";

function ticket(overrides: Partial<Ticket> = {}): Ticket {
  return {
    workflowType: "developer",
    title: "Add OAuth login",
    description: "Users sign in with their company account.",
    externalReference: "PROJ-123",
    externalUrl: "https://jira.example.com/browse/PROJ-123",
    externalSystem: "jira",
    context: {},
    ...overrides,
  };
}

function describeChange(
  overrides: Partial<Ticket> = {},
  complete = true,
): string {
  return mergeRequestDescription({
    ticket: ticket(overrides),
    summary: "  Added the login flow.  ",
    complete,
    runId: 9,
    runUrl: RUN_URL,
  });
}

describe("mergeRequestTitle", () => {
  it("is the reference, a colon and the title", () => {
    expect(mergeRequestTitle(ticket())).toBe("PROJ-123: Add OAuth login");
  });

  it("puts a multi-line title on one line", () => {
    expect(
      mergeRequestTitle(ticket({ title: "  Fix\nthe\t\tlogin\r\n page " })),
    ).toBe("PROJ-123: Fix the login page");
  });
});

describe("commitMessage", () => {
  it("has the title as subject and a trailer naming the run", () => {
    expect(commitMessage(ticket(), RUN_URL)).toBe(
      `PROJ-123: Add OAuth login\n\nFlowgate-Run: ${RUN_URL}\n`,
    );
  });
});

describe("mergeRequestDescription", () => {
  it("links the ticket and the run and carries the summary", () => {
    const text = describeChange();

    expect(text).toContain(
      "Ticket: [PROJ-123](https://jira.example.com/browse/PROJ-123) (jira)",
    );
    expect(text).toContain("## Summary\n\nAdded the login flow.\n");
    expect(text).toContain(`Opened by Flowgate run [9](${RUN_URL}).`);
  });

  it("names the ticket without a link when it has no URL", () => {
    expect(describeChange({ externalUrl: undefined })).toContain(
      "Ticket: PROJ-123 (jira)",
    );
  });

  it("turns acceptance criteria given as one string into a checklist", () => {
    const text = describeChange({
      context: {
        acceptance_criteria:
          "- Users can sign in\n* Sessions expire\r\n1. Logout works\n2) [x] Audit logged\n\n",
      },
    });

    expect(text).toContain(
      [
        "## Acceptance criteria",
        "",
        "- [ ] Users can sign in",
        "- [ ] Sessions expire",
        "- [ ] Logout works",
        "- [ ] Audit logged",
        "",
      ].join("\n"),
    );
  });

  it("turns acceptance criteria given as an array into a checklist, skipping non-strings", () => {
    const text = describeChange({
      context: {
        acceptance_criteria: ["First\nline", 42, "Second", { nested: true }],
      },
    });

    expect(text).toContain("- [ ] First line\n- [ ] Second\n");
    expect(text).not.toContain("42");
    expect(text).not.toContain("nested");
  });

  it("says so when the ticket states no acceptance criteria", () => {
    expect(describeChange()).toContain(
      "_The ticket states no acceptance criteria._",
    );
    expect(
      describeChange({ context: { acceptance_criteria: "   " } }),
    ).toContain("_The ticket states no acceptance criteria._");
  });

  it("warns that an incomplete change does not implement the ticket", () => {
    const incomplete = describeChange({}, false);
    const complete = describeChange({}, true);

    expect(incomplete).toContain("**Incomplete:**");
    expect(incomplete).toContain("does not implement the ticket");
    expect(complete).not.toContain("Incomplete");
  });
});
