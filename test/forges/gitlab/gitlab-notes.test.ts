import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ForgeProject } from "../../../src/forges/forge.ts";
import { GitLabError } from "../../../src/forges/gitlab/gitlab-api.ts";
import { GitLabForge } from "../../../src/forges/gitlab/gitlab-forge.ts";
import {
  createOutboundHttp,
  type OutboundHttp,
} from "../../../src/outbound/outbound-http.ts";
import type { FakeGitLabProject } from "../../fakes/gitlab/repository-routes.ts";
import {
  BOT_TOKEN,
  type GitLabWorld,
  startGitLabWorld,
} from "./gitlab-fixture.ts";

// Notes on a GitLab merge request through POST and GET
// /projects/:id/merge_requests/:iid/notes: one per key, whatever fails.

const NOTES = { method: "POST", path: /\/merge_requests\/\d+\/notes$/ };

let world: GitLabWorld;
let http: OutboundHttp;
let scratch: string;

beforeAll(async () => {
  world = await startGitLabWorld();
  http = createOutboundHttp({ allowPrivate: true, allowedHosts: [] });
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "gitlab-notes-"));
});
afterAll(async () => {
  await http.close();
  await world.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** A project with a pushed branch and its open merge request. */
async function withMergeRequest() {
  const project = await world.project();
  const forge = new GitLabForge(
    {
      baseUrl: world.fake.url,
      projectId: project.id,
      projectPath: project.path,
      token: BOT_TOKEN,
    },
    http,
  );
  const forgeProject: ForgeProject = {
    id: project.id,
    path: project.path,
    defaultBranch: project.defaultBranch,
  };
  const { workspace } = await forge.checkout(
    forgeProject,
    path.join(scratch, `p-${project.id}`),
    "ai/NOTE-1",
  );
  await workspace.writeFile("plan.md", "# plan\n");
  await workspace.commitAll("NOTE-1: plan");
  await forge.push(workspace, "ai/NOTE-1");
  const opened = await forge.openMergeRequest(forgeProject, {
    title: "NOTE-1: Notes",
    description: "",
    sourceBranch: "ai/NOTE-1",
    targetBranch: "main",
    externalReference: "NOTE-1",
    runId: 1,
  });
  return { project, forge, forgeProject, iid: opened.iid };
}

function notesOf(project: FakeGitLabProject, iid: number) {
  const found = world.fake.state.mergeRequests.find(
    (one) => one.project_id === project.id && one.iid === iid,
  );
  return found?.notes ?? [];
}

function posts(project: FakeGitLabProject): number {
  return world.fake.requests.filter(
    (request) =>
      request.method === "POST" &&
      request.path.startsWith(`/api/v4/projects/${project.id}/`) &&
      request.path.endsWith("/notes"),
  ).length;
}

describe("a note on a GitLab merge request", () => {
  it("is posted with its key hidden in an HTML comment, and only once", async () => {
    const { project, forge, forgeProject, iid } = await withMergeRequest();
    const note = { key: "run-7", body: "Flowgate run 7 pushed new work." };

    await forge.addMergeRequestNote(forgeProject, iid, note);
    await forge.addMergeRequestNote(forgeProject, iid, note);

    const notes = notesOf(project, iid);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.body).toBe(
      "Flowgate run 7 pushed new work.\n\n<!-- flowgate-note:run-7 -->\n",
    );
    expect(posts(project)).toBe(1);
    const sent = world.fake.requests.find(
      (request) => request.method === "POST" && request.path.endsWith("/notes"),
    );
    expect(sent?.path).toBe(
      `/api/v4/projects/${project.id}/merge_requests/${iid}/notes`,
    );
    expect(sent?.json).toEqual({ body: notes[0]?.body });
  });

  it("adds a note of another key beside the first", async () => {
    const { project, forge, forgeProject, iid } = await withMergeRequest();
    await forge.addMergeRequestNote(forgeProject, iid, {
      key: "run-1",
      body: "first",
    });
    await forge.addMergeRequestNote(forgeProject, iid, {
      key: "run-2",
      body: "second",
    });
    expect(notesOf(project, iid).map((note) => note.body)).toEqual([
      "first\n\n<!-- flowgate-note:run-1 -->\n",
      "second\n\n<!-- flowgate-note:run-2 -->\n",
    ]);
  });

  it("finds its note behind a full page of other comments", async () => {
    const { project, forge, forgeProject, iid } = await withMergeRequest();
    await forge.addMergeRequestNote(forgeProject, iid, {
      key: "run-3",
      body: "mine",
    });
    // 150 newer comments push it to the second page, newest first.
    const notes = notesOf(project, iid);
    for (let n = 0; n < 150; n += 1) {
      notes.push({ id: world.fake.state.nextId++, body: `comment ${n}` });
    }

    await forge.addMergeRequestNote(forgeProject, iid, {
      key: "run-3",
      body: "mine",
    });
    expect(posts(project)).toBe(1);
    const reads = world.fake.requests.filter(
      (request) => request.method === "GET" && request.path.includes("/notes?"),
    );
    expect(reads.at(-1)?.path).toContain("page=2");
  });

  it("keeps the note whose answer a reset lost, without a second", async () => {
    const { project, forge, forgeProject, iid } = await withMergeRequest();
    world.fake.fault(NOTES, { reset: true, afterWork: true });

    await forge.addMergeRequestNote(forgeProject, iid, {
      key: "run-4",
      body: "lost answer",
    });
    expect(notesOf(project, iid)).toHaveLength(1);
    expect(posts(project)).toBe(1);
  });

  it("passes on a 500 that made no note, and the retry makes one", async () => {
    const { project, forge, forgeProject, iid } = await withMergeRequest();
    world.fake.fault(NOTES, { status: 500 });

    const failure = await forge
      .addMergeRequestNote(forgeProject, iid, { key: "run-5", body: "x" })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GitLabError);
    expect((failure as GitLabError).transient).toBe(true);
    expect(notesOf(project, iid)).toHaveLength(0);

    await forge.addMergeRequestNote(forgeProject, iid, {
      key: "run-5",
      body: "x",
    });
    expect(notesOf(project, iid)).toHaveLength(1);
  });
});
