import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaultMatch } from "../../fakes/gitlab/fake-gitlab.ts";
import type { FakeGitLabProject } from "../../fakes/gitlab/repository-routes.ts";
import type { TestServer } from "../../helpers/test-server.ts";
import {
  type GitLabWorld,
  registerOnFlowgate,
  runTicket,
  runWithEvents,
  startFlowgate,
  startGitLabWorld,
} from "./gitlab-fixture.ts";

// Issue 7: "retrying each step after a failure at each point ends with
// exactly one branch, one merge request". Each case injects one failure
// on the fake GitLab and lets the run (and its job's retry) go on.

const LS_REMOTE_OR_CLONE = { method: "GET", path: /\.git\/info\/refs$/ };
const CLONE_FETCH = {
  method: "POST",
  path: /\.git\/git-upload-pack$/,
  body: /command=fetch/,
};
const PUSH = { method: "POST", path: /\/git-receive-pack$/ };
const LIST = { method: "GET", path: /\/merge_requests$/ };
const CREATE = { method: "POST", path: /\/merge_requests$/ };

let world: GitLabWorld;
let server: TestServer;
let tickets = 0;

beforeAll(async () => {
  world = await startGitLabWorld();
  server = await startFlowgate();
});
afterAll(async () => {
  await server.close();
  await world.close();
});

/** Runs a new ticket on a new project with the faults queued first. */
async function runWith(
  ...faults: [FaultMatch, Parameters<GitLabWorld["fake"]["fault"]>[1]][]
) {
  const project = await world.project();
  const trigger = await registerOnFlowgate(server, world, project);
  for (const [match, fault] of faults) world.fake.fault(match, fault);
  tickets += 1;
  const run = await runTicket(server, project.id, trigger, {
    reference: `SR-${tickets}`,
  });
  const detailed = await runWithEvents(server, project.id, run.id);
  const names: string[] = detailed.events.map((event: any) => event.name);
  return { project, run, names };
}

function mergeRequestsOf(project: FakeGitLabProject) {
  return world.fake.state.mergeRequests.filter(
    (mergeRequest) => mergeRequest.project_id === project.id,
  );
}

function requestsTo(project: FakeGitLabProject, match: FaultMatch): number {
  return world.fake.requests.filter(
    (request) =>
      request.method === match.method &&
      (request.path.startsWith(`/api/v4/projects/${project.id}/`) ||
        request.path.startsWith(`/${project.path}.git/`)) &&
      match.path.test(request.path.split("?")[0] ?? "") &&
      (match.body === undefined ||
        match.body.test(request.body.toString("latin1"))),
  ).length;
}

/** Succeeded, with one branch besides main and one merge request. */
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

describe("a GitLab run retried after a failure at one step", () => {
  it("gets past an ls-remote GitLab answered 500", async () => {
    const { project, run, names } = await runWith([
      LS_REMOTE_OR_CLONE,
      { status: 500 },
    ]);
    await expectOneOfEach(project, run);
    expect(names).toContain("retry_scheduled");
  });

  it("gets past a clone whose fetch GitLab answered 500", async () => {
    const { project, run, names } = await runWith([
      CLONE_FETCH,
      { status: 500 },
    ]);
    await expectOneOfEach(project, run);
    expect(names).toContain("retry_scheduled");
    expect(requestsTo(project, CLONE_FETCH)).toBe(2);
  });

  it("reads the merge requests again after a 502, without a job retry", async () => {
    const { project, run, names } = await runWith([LIST, { status: 502 }]);
    await expectOneOfEach(project, run);
    expect(names).not.toContain("retry_scheduled");
    expect(requestsTo(project, LIST)).toBe(2);
  });

  it("finds the branch of a push whose answer was lost after GitLab took it", async () => {
    const { project, run, names } = await runWith([
      PUSH,
      { reset: true, afterWork: true },
    ]);
    await expectOneOfEach(project, run);
    // The first push reached GitLab: the retry cloned its branch.
    expect(names).toContain("retry_scheduled");
    const reused = names.lastIndexOf("branch_created");
    const detailed = await runWithEvents(server, project.id, run.id);
    expect(detailed.events[reused].details.reused).toBe(true);
  });

  it("takes the merge request it made when looking for it failed after a lost answer", async () => {
    const { project, run, names } = await runWith(
      [CREATE, { reset: true, afterWork: true }],
      // The first read (before the create) passes; the four reads of
      // the look-up after the lost answer fail.
      [{ ...LIST, skip: 1 }, { status: 500 }],
      [LIST, { status: 500 }],
      [LIST, { status: 500 }],
      [LIST, { status: 500 }],
    );
    await expectOneOfEach(project, run);
    expect(names).toContain("retry_scheduled");
    expect(requestsTo(project, CREATE)).toBe(1);
    // Its own merge request, found again: no note about continuing it.
    expect(mergeRequestsOf(project)[0]?.notes).toEqual([]);
  });

  it("repeats a create GitLab throttled with 429, once Retry-After passed", async () => {
    const { project, run, names } = await runWith([
      CREATE,
      { status: 429, retryAfter: "1" },
    ]);
    await expectOneOfEach(project, run);
    expect(names).not.toContain("retry_scheduled");
    expect(requestsTo(project, CREATE)).toBe(2);
  });

  it("fails at once with GitLab's words when it refuses the merge request (422)", async () => {
    const { project, run, names } = await runWith([
      CREATE,
      {
        status: 422,
        body: { message: ['Target branch "main" does not exist'] },
      },
    ]);
    expect(run.status).toBe("failed");
    expect(names).not.toContain("retry_scheduled");
    expect(run.error).toMatch(
      new RegExp(
        `^GitLab refused to open a merge request from ${run.branch} into ` +
          "main: GitLab answered 422 to POST .*/merge_requests: " +
          'Target branch "main" does not exist; GitLab refused the input; ' +
          "check that both branches exist on GitLab",
      ),
    );
    expect(mergeRequestsOf(project)).toHaveLength(0);
    expect(await world.repositories.branches(project.id)).toEqual([
      run.branch,
      "main",
    ]);
  });
});
