import fs from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ForgeInputError } from "../../../src/forges/forge-input-error.ts";
import { ForgeNotFoundError } from "../../../src/forges/forge-not-found-error.ts";
import { writeOfflinePlan } from "../../../src/models/offline-plan.ts";
import {
  createForgeFixture,
  type ForgeFixture,
  pushFiles,
} from "./forge-fixture.ts";

let fixture: ForgeFixture;
beforeEach(async () => {
  fixture = await createForgeFixture();
});
afterEach(async () => {
  await fixture.close();
});

describe("compareRefs", () => {
  it("shows the commit and the diff that add a plan file", async () => {
    const { forge, project } = fixture;
    const { workspace } = await forge.checkout(
      project,
      fixture.workDir("plan"),
      "ai/PROJ-5",
    );
    await writeOfflinePlan(workspace, {
      workflowType: "developer",
      title: "Export invoices",
      description: "Invoices can be exported as CSV.",
      externalReference: "PROJ-5",
      externalUrl: undefined,
      externalSystem: "jira",
      context: { acceptance_criteria: ["CSV has a header row"] },
    });
    const sha = await workspace.commitAll("PROJ-5: Export invoices");
    await forge.push(workspace, "ai/PROJ-5");

    const comparison = await forge.compareRefs(project, "main", "ai/PROJ-5");

    expect(comparison.compare_same_ref).toBe(false);
    expect(comparison.compare_timeout).toBe(false);
    expect(comparison.commits).toHaveLength(1);
    expect(comparison.commit).toEqual(comparison.commits[0]);
    expect(comparison.commit).toMatchObject({
      id: sha,
      short_id: sha?.slice(0, 8),
      title: "PROJ-5: Export invoices",
      message: "PROJ-5: Export invoices\n",
      author_name: "Flowgate",
      author_email: "flowgate@localhost",
    });
    expect(comparison.diffs).toHaveLength(1);
    const [diff] = comparison.diffs;
    expect(diff).toMatchObject({
      old_path: "docs/plans/PROJ-5.md",
      new_path: "docs/plans/PROJ-5.md",
      a_mode: "0",
      b_mode: "100644",
      new_file: true,
      renamed_file: false,
      deleted_file: false,
    });
    expect(diff?.diff).toMatch(/^@@ -0,0 \+1,\d+ @@\n/);
    expect(diff?.diff).toContain("+- [ ] CSV has a header row\n");
  });

  it("reports renamed, deleted and changed files", async () => {
    const { forge, project } = fixture;
    await pushFiles(fixture, "main", {
      "a.txt": "one\ntwo\nthree\nfour\nfive\n",
      "b.txt": "gone soon\n",
    });
    const workspace = await pushFiles(fixture, "topic", {
      "README.md": "changed\n",
    });
    await workspace.writeFile("renamed.txt", await workspace.readFile("a.txt"));
    await fs.rm(path.join(workspace.dir, "a.txt"));
    await fs.rm(path.join(workspace.dir, "b.txt"));
    await workspace.commitAll("Rename and delete");
    await forge.push(workspace, "topic");

    const { diffs, commits } = await forge.compareRefs(
      project,
      "main",
      "topic",
    );

    expect(commits.map((commit) => commit.title)).toEqual([
      "Change README.md",
      "Rename and delete",
    ]);
    const summary = diffs.map((diff) => ({
      old: diff.old_path,
      new: diff.new_path,
      renamed: diff.renamed_file,
      deleted: diff.deleted_file,
    }));
    expect(summary).toEqual([
      { old: "README.md", new: "README.md", renamed: false, deleted: false },
      { old: "b.txt", new: "b.txt", renamed: false, deleted: true },
      { old: "a.txt", new: "renamed.txt", renamed: true, deleted: false },
    ]);
    expect(diffs[0]?.diff).toContain("+changed\n");
    expect(diffs[1]).toMatchObject({ a_mode: "100644", b_mode: "0" });
  });

  it("compares a ref with itself as nothing", async () => {
    const comparison = await fixture.forge.compareRefs(
      fixture.project,
      "main",
      "main",
    );

    expect(comparison).toEqual({
      commit: null,
      commits: [],
      diffs: [],
      compare_timeout: false,
      compare_same_ref: true,
    });
  });

  it("answers not found for an unknown ref", async () => {
    const comparing = fixture.forge.compareRefs(
      fixture.project,
      "main",
      "nope",
    );

    await expect(comparing).rejects.toThrow(ForgeNotFoundError);
  });

  it("refuses refs that git could read as options", async () => {
    const { forge, project } = fixture;

    for (const ref of ["--output=/tmp/flowgate-pwned", "-p", "a..b", "x:y"]) {
      await expect(forge.compareRefs(project, ref, "main")).rejects.toThrow(
        ForgeInputError,
      );
    }
  });

  it("leaves out a patch over GitLab's size limit and keeps the others", async () => {
    const { forge, project } = fixture;
    // Short lines, so the size limit is reached before the lines limit.
    const huge = "0123456789".repeat(30).concat("\n").repeat(700);
    await pushFiles(fixture, "big", {
      "data/huge.txt": huge,
      "src/small.ts": "export const small = 1;\n",
    });

    const { diffs } = await forge.compareRefs(project, "main", "big");

    const byPath = new Map(diffs.map((diff) => [diff.new_path, diff]));
    expect(byPath.get("data/huge.txt")).toMatchObject({
      too_large: true,
      collapsed: false,
      diff: "",
      new_file: true,
    });
    expect(byPath.get("src/small.ts")).toMatchObject({ too_large: false });
    expect(byPath.get("src/small.ts")?.diff).toContain("+export const small");
  });

  it("leaves out the patches past GitLab's limit of changed lines", async () => {
    const { forge, project } = fixture;
    const lines = (count: number) => "x\n".repeat(count);
    await pushFiles(fixture, "long", {
      "a-first.txt": lines(30_000),
      "b-second.txt": lines(30_000),
    });

    const { diffs } = await forge.compareRefs(project, "main", "long");

    expect(diffs.map((diff) => [diff.new_path, diff.too_large])).toEqual([
      ["a-first.txt", false],
      ["b-second.txt", true],
    ]);
    expect(diffs[1]?.diff).toBe("");
  });
});
