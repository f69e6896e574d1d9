import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ForgeConflictError } from "../../../src/forges/forge-conflict-error.ts";
import { ForgeNotFoundError } from "../../../src/forges/forge-not-found-error.ts";
import {
  createForgeFixture,
  FIXED_NOW,
  type ForgeFixture,
  git,
  pushFiles,
} from "./forge-fixture.ts";

let fixture: ForgeFixture;
let bareDir: string;
beforeEach(async () => {
  fixture = await createForgeFixture();
  bareDir = path.join(fixture.dataDir, "repositories", "acme", "shop.git");
});
afterEach(async () => {
  await fixture.close();
});

async function openFrom(branch: string) {
  return fixture.forge.openMergeRequest(fixture.project, {
    title: "PROJ-9: add the feature",
    description: "",
    sourceBranch: branch,
    targetBranch: "main",
    externalReference: "PROJ-9",
    runId: 1,
  });
}

describe("mergeMergeRequest", () => {
  it("merges the source branch into the target with a merge commit", async () => {
    const { forge, project } = fixture;
    await pushFiles(fixture, "ai/PROJ-9", { "src/feature.ts": "export {};\n" });
    const opened = await openFrom("ai/PROJ-9");

    const merged = await forge.mergeMergeRequest(project, opened.iid);

    const mainHead = await git(bareDir, "rev-parse", "main");
    expect(merged).toMatchObject({
      iid: opened.iid,
      state: "merged",
      draft: false,
      merged_at: FIXED_NOW.toISOString(),
      merge_commit_sha: mainHead,
    });
    const file = await forge.readRepositoryFile(
      project,
      "main",
      "src/feature.ts",
    );
    expect(file?.toString()).toBe("export {};\n");
    const parents = await git(
      bareDir,
      "rev-list",
      "--parents",
      "-n",
      "1",
      "main",
    );
    expect(parents.split(" ")).toHaveLength(3);
    expect(await git(bareDir, "log", "-1", "--format=%s", "main")).toBe(
      "Merge branch 'ai/PROJ-9' into 'main'",
    );
    expect(await forge.getMergeRequest(project, opened.iid)).toEqual(merged);
  });

  it("refuses to merge a merge request that is no longer open", async () => {
    await pushFiles(fixture, "ai/PROJ-9", { "a.txt": "a\n" });
    const opened = await openFrom("ai/PROJ-9");
    await fixture.forge.mergeMergeRequest(fixture.project, opened.iid);

    const again = fixture.forge.mergeMergeRequest(fixture.project, opened.iid);

    await expect(again).rejects.toThrow(ForgeConflictError);
    await expect(again).rejects.toMatchObject({ reason: "not_open" });
  });

  it("refuses a conflicting merge and leaves both branches as they were", async () => {
    await pushFiles(fixture, "ai/PROJ-9", { "README.md": "from the branch\n" });
    await pushFiles(fixture, "main", { "README.md": "from main\n" });
    const mainBefore = await git(bareDir, "rev-parse", "main");
    const opened = await openFrom("ai/PROJ-9");

    const merging = fixture.forge.mergeMergeRequest(
      fixture.project,
      opened.iid,
    );

    await expect(merging).rejects.toMatchObject({
      name: "ForgeConflictError",
      reason: "merge_conflict",
    });
    expect(await git(bareDir, "rev-parse", "main")).toBe(mainBefore);
    const stored = await fixture.forge.getMergeRequest(
      fixture.project,
      opened.iid,
    );
    expect(stored).toMatchObject({ state: "opened", merge_commit_sha: null });
  });

  it("refuses when the source branch was never pushed", async () => {
    const opened = await openFrom("ai/never-pushed");

    const merging = fixture.forge.mergeMergeRequest(
      fixture.project,
      opened.iid,
    );

    await expect(merging).rejects.toMatchObject({ reason: "branch_missing" });
  });

  it("answers not found for an unknown merge request", async () => {
    const merging = fixture.forge.mergeMergeRequest(fixture.project, 42);

    await expect(merging).rejects.toThrow(ForgeNotFoundError);
  });
});
