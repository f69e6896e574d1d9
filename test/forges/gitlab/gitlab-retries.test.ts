import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { branchName } from "../../../src/runs/branch-name.ts";
import type { FakeGitLabProject } from "../../fakes/gitlab/repository-routes.ts";
import type { TestServer } from "../../helpers/test-server.ts";
import {
  BOT_TOKEN,
  deliverTicket,
  formsOf,
  type GitLabWorld,
  outsideAuthHeaders,
  registerOnFlowgate,
  runTicket,
  runWithEvents,
  startFlowgate,
  startGitLabWorld,
} from "./gitlab-fixture.ts";

// DESIGN.md §6: each step is idempotent. A GitLab failure at any step,
// and the job's retry after it, end with one branch and one merge request.

const OPEN_MERGE_REQUEST = { method: "POST", path: /\/merge_requests$/ };
const LIST_MERGE_REQUESTS = { method: "GET", path: /\/merge_requests$/ };
const PUSH = { method: "POST", path: /\/git-receive-pack$/ };

let world: GitLabWorld;
let server: TestServer;

beforeAll(async () => {
  world = await startGitLabWorld();
  server = await startFlowgate();
});
afterAll(async () => {
  await server.close();
  await world.close();
});

async function onFlowgate() {
  const project = await world.project();
  const trigger = await registerOnFlowgate(server, world, project);
  return { project, trigger };
}

function mergeRequestsOf(project: FakeGitLabProject) {
  return world.fake.state.mergeRequests.filter(
    (mergeRequest) => mergeRequest.project_id === project.id,
  );
}

/** The run once its first attempt failed and a retry is scheduled. */
async function retriedRun(projectId: number, runId: number) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const run = await runWithEvents(server, projectId, runId);
    const names = run.events.map((event: any) => event.name);
    if (names.includes("retry_scheduled")) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} never retried`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** How many times Flowgate asked GitLab to open a merge request. */
function creates(project: FakeGitLabProject): number {
  return world.fake.requests.filter(
    (request) =>
      request.method === "POST" &&
      request.path === `/api/v4/projects/${project.id}/merge_requests`,
  ).length;
}

async function eventNames(projectId: number, runId: number): Promise<string[]> {
  const detailed = await runWithEvents(server, projectId, runId);
  return detailed.events.map((event: any) => event.name as string);
}

/** The run succeeded with one branch besides main and one merge request
 * from it. */
async function expectOneOfEach(
  project: FakeGitLabProject,
  run: Record<string, any>,
) {
  expect(run.status).toBe("succeeded");
  expect(await world.repositories.branches(project.id)).toEqual([
    run.branch,
    "main",
  ]);
  const opened = mergeRequestsOf(project);
  expect(opened).toHaveLength(1);
  expect(opened[0]?.source_branch).toBe(run.branch);
  expect(run.merge_request.iid).toBe(opened[0]?.iid);
}

describe("a GitLab run that meets a failure", () => {
  it("retries a 500 on opening the merge request into one merge request", async () => {
    const { project, trigger } = await onFlowgate();
    world.fake.fault(OPEN_MERGE_REQUEST, { status: 500 });

    const run = await runTicket(server, project.id, trigger, {
      reference: "RT-1",
    });
    await expectOneOfEach(project, run);
    expect(creates(project)).toBe(2);
    expect(await eventNames(project.id, run.id)).toContain("retry_scheduled");
  });

  it("takes the merge request whose answer a reset lost, without a retry", async () => {
    const { project, trigger } = await onFlowgate();
    world.fake.fault(OPEN_MERGE_REQUEST, { reset: true, afterWork: true });

    const run = await runTicket(server, project.id, trigger, {
      reference: "RT-2",
    });
    await expectOneOfEach(project, run);
    expect(creates(project)).toBe(1);
    expect(await eventNames(project.id, run.id)).not.toContain(
      "retry_scheduled",
    );
  });

  it("takes the open merge request GitLab answers 409 for, when its list missed it", async () => {
    const { project, trigger } = await onFlowgate();
    const title = "Export invoices as CSV";
    const branch = branchName("ai/{external_reference}-{slug}", {
      externalReference: "RT-3",
      title,
      runId: 0,
    });
    // An earlier attempt opened it; GitLab's list does not show it yet.
    world.fake.state.mergeRequests.push({
      id: world.fake.state.nextId++,
      iid: 7,
      project_id: project.id,
      title: `Draft: RT-3: ${title}`,
      description: "opened by an earlier attempt",
      source_branch: branch,
      target_branch: "main",
      state: "opened",
      draft: true,
      web_url: `${world.fake.url}/${project.path}/-/merge_requests/7`,
      labels: [],
      notes: [],
    });
    world.fake.fault(LIST_MERGE_REQUESTS, { status: 200, body: [] });

    const run = await runTicket(server, project.id, trigger, {
      reference: "RT-3",
      title,
    });
    expect(run.branch).toBe(branch);
    await expectOneOfEach(project, run);
    expect(creates(project)).toBe(1);
    expect(run.merge_request.iid).toBe(7);
  });

  it("retries a push that failed once into one branch and one merge request", async () => {
    const { project, trigger } = await onFlowgate();
    world.fake.fault(PUSH, { status: 500 });

    const run = await runTicket(server, project.id, trigger, {
      reference: "RT-4",
    });
    await expectOneOfEach(project, run);
    const names = await eventNames(project.id, run.id);
    expect(names).toContain("retry_scheduled");
    expect(names.filter((name) => name === "pushed")).toHaveLength(1);
  });

  it("records what to fix when the token is revoked, and shows the token nowhere", async () => {
    const revoked = "glpat-revoked-token-000000";
    const project = await world.project();
    const trigger = await registerOnFlowgate(server, world, project, revoked);
    const runId = await deliverTicket(server, project.id, trigger, {
      reference: "RT-5",
    });

    // The workflow file is read first, through the raw files API.
    const run = await retriedRun(project.id, runId);
    expect(run.error).toMatch(
      /workflows\.yml .* answered 401; .*token is wrong, expired or revoked/,
    );
    for (const form of formsOf(revoked)) {
      expect(server.logs.text).not.toContain(form);
      expect(JSON.stringify(run)).not.toContain(form);
    }
    expect(mergeRequestsOf(project)).toHaveLength(0);
    const canceled = await server.admin(
      "POST",
      `/api/v4/projects/${project.id}/workflows/runs/${runId}/cancel`,
    );
    expect(canceled.status).toBe(200);
  });

  it("writes the token in no log line and no request but its header, through all of these", () => {
    for (const form of formsOf(BOT_TOKEN)) {
      expect(server.logs.text).not.toContain(form);
      for (const request of world.fake.requests) {
        expect(outsideAuthHeaders(request)).not.toContain(form);
      }
    }
  });
});
