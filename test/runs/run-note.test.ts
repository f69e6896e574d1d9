import { describe, expect, it } from "vitest";
import { runNote } from "../../src/runs/run-note.ts";

const base = {
  runId: 42,
  runUrl: "https://flowgate.example.com/api/v4/projects/1/workflows/runs/42",
  followUps: [],
  summary: "Added the CSV export.",
  complete: true,
  stopped: undefined,
};

describe("the note a run leaves on its merge request", () => {
  it("is none for a run that opened the merge request and finished", () => {
    expect(runNote({ ...base, continued: false })).toBeUndefined();
    expect(
      runNote({ ...base, continued: false, complete: false }),
    ).toBeUndefined();
  });

  it("says a continuing run pushed new work, with its follow-ups and summary", () => {
    const note = runNote({
      ...base,
      continued: true,
      followUps: [{ id: 3, instruction: "Also PDF", author: "mia" }],
    });
    expect(note?.key).toBe("run-42");
    expect(note?.body).toContain(
      `Flowgate run [42](${base.runUrl}) pushed new work to this merge request.`,
    );
    expect(note?.body).toContain("## Follow-up from mia");
    expect(note?.body).toContain("> Also PDF");
    expect(note?.body).toContain("### Summary\n\n> Added the CSV export.");
  });

  it("says why a run stopped short", () => {
    const note = runNote({
      ...base,
      continued: false,
      complete: false,
      stopped: "the agent stopped before finishing: budget of 2 steps.",
    });
    expect(note?.body).toMatch(
      /^\*\*Incomplete:\*\* Flowgate run \[42\]\(.*\) stopped before it finished: the agent stopped before finishing: budget of 2 steps\. The branch/,
    );
  });

  it("starts no line of ticket or model text with a quick action", () => {
    const note = runNote({
      ...base,
      continued: true,
      summary: "Done.\n/merge\n/assign @mallory",
      followUps: [{ id: 4, instruction: "/close\nplease", author: undefined }],
    });
    const lines = note?.body.split("\n") ?? [];
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.filter((line) => line.startsWith("/"))).toEqual([]);
    expect(note?.body).toContain("> /merge");
    expect(note?.body).toContain("> /close");
  });
});
