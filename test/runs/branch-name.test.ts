import { execFileSync } from "node:child_process";
import os from "node:os";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  branchName,
  sanitizeRef,
  slugify,
} from "../../src/runs/branch-name.ts";

const DEFAULT_TEMPLATE = "ai/{external_reference}-{slug}";

/** Whether real git accepts `name` as a branch name. */
function gitAcceptsBranch(name: string): boolean {
  try {
    execFileSync("git", ["check-ref-format", "--branch", name], {
      cwd: os.tmpdir(),
      stdio: "pipe",
    });
    return true;
  } catch {
    return false;
  }
}

function branchFor(externalReference: string, title: string, runId = 7) {
  return branchName(DEFAULT_TEMPLATE, { externalReference, title, runId });
}

describe("slugify", () => {
  it("joins the title's lowercase words with dashes", () => {
    expect(slugify("Fix login (SSO)")).toBe("fix-login-sso");
  });

  it("drops accents and keeps at most 40 characters", () => {
    expect(slugify("Café crème")).toBe("cafe-creme");
    const slug = slugify("word ".repeat(50));
    expect(slug.length).toBeLessThanOrEqual(40);
    expect(slug).not.toMatch(/^-|-$/);
  });
});

describe("branchName", () => {
  it("fills the default template with the reference and the title's slug", () => {
    expect(branchFor("PROJ-123", "Implement OAuth2 login")).toBe(
      "ai/PROJ-123-implement-oauth2-login",
    );
  });

  it("fills {run_id} and keeps literal text of the template", () => {
    expect(
      branchName("flowgate/{run_id}/{external_reference}", {
        externalReference: "ENG-9",
        title: "Anything",
        runId: 42,
      }),
    ).toBe("flowgate/42/ENG-9");
  });

  it("uses 'ticket' as the slug of a title with no letters or digits", () => {
    expect(branchFor("PROJ-1", "!!! ???")).toBe("ai/PROJ-1-ticket");
  });

  it("falls back to a run-named branch when nothing valid is left", () => {
    expect(
      branchName("{external_reference}", {
        externalReference: "@{",
        title: "x",
        runId: 5,
      }),
    ).toBe("flowgate/run-5");
  });

  it.each([
    ["../../x", "x"],
    ["a..b", "a.b"],
    ["-rf", "rf"],
    ["x.lock", "x-lock"],
    ["x.lock.", "x-lock"],
    ["a/x.lock./b", "a/x-lock/b"],
    ["@{-1}", "1}"],
    ["a b\tc", "a-b-c"],
    ["a\u0000b\u001fc\u007fd", "a-b-c-d"],
    ["refs//heads/", "refs/heads"],
    ["~^:?*[\\", ""],
    [".hidden/.dir", "hidden/dir"],
  ])("sanitizes the hostile name %j to %j", (name, expected) => {
    expect(sanitizeRef(name)).toBe(expected);
  });

  it.each([
    ["../../x", "title"],
    ["a..b", "title"],
    ["-rf", "--force"],
    ["x.lock", "y"],
    ["PROJ-1", "x.lock"],
    ["@{", "@{upstream}"],
    ["PROJ 1", "has spaces"],
    ["PROJ\u0001\u001b[31m", "control\u0007chars"],
    ["PROJ-2", "a very long title ".repeat(40)],
    ["P".repeat(128), "t".repeat(255)],
    ["a/./b//c/", "."],
    ["x/", "/"],
  ])("makes a branch that git accepts from %j and %j", (reference, title) => {
    const branch = branchFor(reference, title);

    expect(gitAcceptsBranch(branch)).toBe(true);
    expect(branch.length).toBeLessThanOrEqual(200);
  });

  it("keeps a branch cut at 200 characters valid for git", () => {
    const reference = `${"x".repeat(195)}.locking`;
    const branch = branchName("{external_reference}", {
      externalReference: reference,
      title: "t",
      runId: 1,
    });

    expect(branch).toHaveLength(200);
    expect(gitAcceptsBranch(branch)).toBe(true);
  });

  it("makes a branch git accepts from any reference, title and template", () => {
    const hostile = fc.string({
      unit: fc.constantFrom(
        ..."aZ09-_./@{}~^:?*[\\ #\t\u0000\u007f.lock".split(""),
        ".lock",
        "..",
        "@{",
        "é",
      ),
      maxLength: 60,
    });
    fc.assert(
      fc.property(
        hostile,
        hostile,
        fc.constantFrom(
          DEFAULT_TEMPLATE,
          "{external_reference}",
          "{slug}.lock",
          "-{external_reference}/{run_id}.",
          "{external_reference}".repeat(4),
        ),
        (externalReference, title, template) => {
          const branch = branchName(template, {
            externalReference,
            title,
            runId: 3,
          });
          return branch.length <= 200 && gitAcceptsBranch(branch);
        },
      ),
      { numRuns: 300 },
    );
  });
});
