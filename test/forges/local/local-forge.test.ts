import fs from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { OpenMergeRequestInput } from "../../../src/forges/forge.ts";
import { ForgeInputError } from "../../../src/forges/forge-input-error.ts";
import {
  createForgeFixture,
  FIXED_NOW,
  type ForgeFixture,
  git,
  pushFiles,
} from "./forge-fixture.ts";

let fixture: ForgeFixture;
beforeEach(async () => {
  fixture = await createForgeFixture();
});
afterEach(async () => {
  await fixture.close();
});

function mergeRequestInput(sourceBranch: string): OpenMergeRequestInput {
  return {
    title: `PROJ-1: work on ${sourceBranch}`,
    description: "Closes PROJ-1",
    sourceBranch,
    targetBranch: "main",
    externalReference: "PROJ-1",
    runId: 7,
  };
}

describe("LocalForge checkout and push", () => {
  it("checks out a new branch started from the default branch", async () => {
    const dir = fixture.workDir("first");

    const { workspace, branchCreated } = await fixture.forge.checkout(
      fixture.project,
      dir,
      "ai/PROJ-1-login",
    );

    expect(branchCreated).toBe(true);
    expect(workspace.dir).toBe(dir);
    expect(await git(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe(
      "ai/PROJ-1-login",
    );
    expect(await workspace.listFiles()).toEqual(["README.md"]);
  });

  it("reuses a pushed branch when the same branch is checked out again", async () => {
    await pushFiles(fixture, "ai/PROJ-1-login", { "notes.md": "first try\n" });

    const second = await fixture.forge.checkout(
      fixture.project,
      fixture.workDir("retry"),
      "ai/PROJ-1-login",
    );

    expect(second.branchCreated).toBe(false);
    expect(await second.workspace.readFile("notes.md")).toBe("first try\n");
  });

  it("checks out the default branch itself without creating it", async () => {
    const { branchCreated, workspace } = await fixture.forge.checkout(
      fixture.project,
      fixture.workDir("main"),
      "main",
    );

    expect(branchCreated).toBe(false);
    expect(await workspace.listFiles()).toEqual(["README.md"]);
  });

  it("refuses branch names that git could read as options", async () => {
    const checkout = fixture.forge.checkout(
      fixture.project,
      fixture.workDir("evil"),
      "--upload-pack=touch /tmp/flowgate-pwned",
    );

    await expect(checkout).rejects.toThrow(ForgeInputError);
    expect(fs.existsSync(fixture.workDir("evil"))).toBe(false);
  });
});

describe("LocalForge merge requests", () => {
  it("opens draft merge requests numbered 1 and 2 for two branches", async () => {
    const { forge, project } = fixture;

    const first = await forge.openMergeRequest(project, mergeRequestInput("a"));
    const second = await forge.openMergeRequest(
      project,
      mergeRequestInput("b"),
    );

    expect(first).toMatchObject({
      iid: 1,
      project_id: project.id,
      title: "PROJ-1: work on a",
      source_branch: "a",
      target_branch: "main",
      state: "opened",
      draft: true,
      web_url: "http://flowgate.test/acme/shop/-/merge_requests/1",
      merge_commit_sha: null,
      created_at: FIXED_NOW.toISOString(),
      merged_at: null,
    });
    expect(second.iid).toBe(2);
  });

  it("answers the open merge request instead of opening a second for the branch", async () => {
    const { forge, project, store } = fixture;
    const first = await forge.openMergeRequest(project, mergeRequestInput("a"));

    const again = await Promise.all([
      forge.openMergeRequest(project, mergeRequestInput("a")),
      forge.openMergeRequest(project, mergeRequestInput("a")),
    ]);

    expect(again.map((request) => request.id)).toEqual([first.id, first.id]);
    const rows = await store.db
      .selectFrom("merge_requests")
      .select("iid")
      .execute();
    expect(rows).toEqual([{ iid: 1 }]);
    expect(await forge.findOpenMergeRequest(project, "a")).toEqual(first);
    expect(await forge.findOpenMergeRequest(project, "b")).toBeUndefined();
  });

  it("lists merge requests newest first, one page at a time", async () => {
    const { forge, project } = fixture;
    for (const branch of ["a", "b", "c"]) {
      await forge.openMergeRequest(project, mergeRequestInput(branch));
    }

    const first = await forge.listMergeRequests(project, {
      page: 1,
      perPage: 2,
    });
    const second = await forge.listMergeRequests(project, {
      page: 2,
      perPage: 2,
    });
    const merged = await forge.listMergeRequests(project, {
      state: "merged",
      page: 1,
      perPage: 20,
    });

    expect(first.total).toBe(3);
    expect(first.items.map((request) => request.iid)).toEqual([3, 2]);
    expect(second.items.map((request) => request.iid)).toEqual([1]);
    expect(merged).toEqual({ items: [], total: 0 });
  });

  it("gets a merge request by iid, and nothing for an unknown iid", async () => {
    const { forge, project } = fixture;
    const opened = await forge.openMergeRequest(
      project,
      mergeRequestInput("a"),
    );

    expect(await forge.getMergeRequest(project, 1)).toEqual(opened);
    expect(await forge.getMergeRequest(project, 2)).toBeUndefined();
  });

  it("keeps numbering per project", async () => {
    const { forge, project, store } = fixture;
    const other = await store.db
      .insertInto("projects")
      .values({
        path: "acme/other",
        default_branch: "main",
        forge_type: "local",
        forge_config: "{}",
        created_at: FIXED_NOW.toISOString(),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const otherProject = {
      id: other.id,
      path: "acme/other",
      defaultBranch: "main",
    };
    await forge.openMergeRequest(project, mergeRequestInput("a"));

    const opened = await forge.openMergeRequest(
      otherProject,
      mergeRequestInput("a"),
    );

    expect(opened.iid).toBe(1);
    expect(opened.web_url).toBe(
      "http://flowgate.test/acme/other/-/merge_requests/1",
    );
  });
});
