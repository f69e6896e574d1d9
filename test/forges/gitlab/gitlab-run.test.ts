import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeModelServer } from "../../fakes/fake-model-server.ts";
import { startOpenAiFake } from "../../fakes/fake-openai.ts";
import type { FakeGitLabProject } from "../../fakes/gitlab/repository-routes.ts";
import type { TestServer } from "../../helpers/test-server.ts";
import {
  BOT_TOKEN,
  formsOf,
  type GitLabWorld,
  outsideAuthHeaders,
  registerOnFlowgate,
  requestsFor,
  runTicket,
  runWithEvents,
  startFlowgate,
  startGitLabWorld,
} from "./gitlab-fixture.ts";

// A run on a GitLab project through the real server: the delivery, the
// clone from the fake GitLab, the offline agent's commit, the push and
// the merge request, all over HTTP.

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

describe("a run on a GitLab project", () => {
  let project: FakeGitLabProject;
  let run: Record<string, any>;

  beforeAll(async () => {
    project = await world.project();
    const trigger = await registerOnFlowgate(server, world, project);
    run = await runTicket(server, project.id, trigger, { reference: "GL-1" });
  });

  it("clones from GitLab and pushes the run's branch there", async () => {
    expect(run.status).toBe("succeeded");
    expect(run.branch).toBe("ai/GL-1-export-invoices-as-csv");

    const detailed = await runWithEvents(server, project.id, run.id);
    const committed = detailed.events.find(
      (event: any) => event.name === "committed",
    );
    expect(committed.details.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await world.repositories.branchSha(project.id, run.branch)).toBe(
      committed.details.sha,
    );
    expect(await world.repositories.branches(project.id)).toEqual([
      run.branch,
      "main",
    ]);

    const gitPaths = requestsFor(world, project).map((request) => request.path);
    expect(gitPaths).toContainEqual(
      `/${project.path}.git/info/refs?service=git-upload-pack`,
    );
    expect(gitPaths).toContainEqual(`/${project.path}.git/git-receive-pack`);
  });

  it("opens one draft merge request on GitLab whose description links the ticket", async () => {
    const opened = world.fake.state.mergeRequests.filter(
      (mergeRequest) => mergeRequest.project_id === project.id,
    );
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({
      title: "Draft: GL-1: Export invoices as CSV",
      draft: true,
      state: "opened",
      source_branch: run.branch,
      target_branch: "main",
    });
    expect(opened[0]?.description).toContain(
      "[GL-1](https://jira.example.com/browse/GL-1)",
    );
    expect(opened[0]?.description).toContain("- [ ] One row per invoice");
  });

  it("keeps GitLab's iid and web URL for the run's merge request", async () => {
    const gitlabUrl = `${world.fake.url}/${project.path}/-/merge_requests/1`;
    expect(run.merge_request.iid).toBe(1);

    const detailed = await runWithEvents(server, project.id, run.id);
    // The run links GitLab's page, not a Flowgate address.
    expect(detailed.merge_request).toEqual({ iid: 1, web_url: gitlabUrl });
    const opened = detailed.events.find(
      (event: any) => event.name === "merge_request_opened",
    );
    expect(opened.details).toMatchObject({ iid: 1, web_url: gitlabUrl });
  });

  it("sends the token in no request but its Authorization or PRIVATE-TOKEN header", async () => {
    const requests = requestsFor(world, project);
    expect(requests.length).toBeGreaterThan(5);
    for (const request of requests) {
      for (const form of formsOf(BOT_TOKEN)) {
        expect(outsideAuthHeaders(request)).not.toContain(form);
      }
      const api = request.path.startsWith("/api/");
      expect(
        api ? request.headers["private-token"] : request.headers.authorization,
      ).toBeDefined();
    }
  });

  it("writes the token in no log line and no answer of the admin API", async () => {
    const detailed = await runWithEvents(server, project.id, run.id);
    const registered = await server.admin(
      "GET",
      `/api/v4/projects/${project.id}`,
    );
    for (const form of formsOf(BOT_TOKEN)) {
      expect(server.logs.text).not.toContain(form);
      expect(JSON.stringify(detailed)).not.toContain(form);
      expect(JSON.stringify(registered.body)).not.toContain(form);
    }
  });
});

describe("the repository's workflow definitions", () => {
  it("reads .flowgate/workflows.yml through GitLab's raw files API", async () => {
    const project = await world.project({
      files: {
        "README.md": "# shop\n",
        ".flowgate/workflows.yml":
          "workflows:\n" +
          "  developer:\n" +
          '    branch_template: "gl/{external_reference}"\n' +
          "    labels: [ai, from-repository]\n",
      },
    });
    const trigger = await registerOnFlowgate(server, world, project);
    const run = await runTicket(server, project.id, trigger, {
      reference: "GL-2",
    });

    expect(run.status).toBe("succeeded");
    expect(run.branch).toBe("gl/GL-2");
    const read = requestsFor(world, project).find((request) =>
      request.path.includes("/repository/files/"),
    );
    expect(read?.path).toBe(
      `/api/v4/projects/${project.id}/repository/files/` +
        ".flowgate%2Fworkflows.yml/raw?ref=main",
    );
    const [opened] = world.fake.state.mergeRequests.filter(
      (mergeRequest) => mergeRequest.project_id === project.id,
    );
    expect(opened?.labels).toEqual(["ai", "from-repository"]);
    expect(opened?.source_branch).toBe("gl/GL-2");
  });
});

describe("the local forge's admin routes on a GitLab project", () => {
  it("answer 400 with where GitLab shows the merge requests and files", async () => {
    const project = await world.project();
    await registerOnFlowgate(server, world, project);
    const base = `/api/v4/projects/${project.id}`;
    const onGitLab = `${world.fake.url}/${project.path}`;

    const list = await server.admin("GET", `${base}/merge_requests`);
    expect(list.status).toBe(400);
    expect(list.body.message).toBe(
      "400 Bad request - this project's merge requests are on GitLab: " +
        `${onGitLab}/-/merge_requests`,
    );
    for (const path of [
      `${base}/merge_requests/1`,
      `${base}/repository/files/README.md/raw?ref=main`,
      `${base}/repository/compare?from=main&to=main`,
    ]) {
      const answer = await server.admin("GET", path);
      expect(answer.status).toBe(400);
      expect(answer.body.message).toContain(`on GitLab: ${onGitLab}`);
    }
    const merge = await server.admin("POST", `${base}/merge_requests/1/merge`);
    expect(merge.status).toBe(400);
  });
});

describe("a second run for a ticket whose merge request is open on GitLab", () => {
  it("works on the same branch and merge request, even under another title", async () => {
    const project = await world.project();
    const trigger = await registerOnFlowgate(server, world, project);
    const first = await runTicket(server, project.id, trigger, {
      reference: "GL-7",
    });
    const second = await runTicket(server, project.id, trigger, {
      reference: "GL-7",
      title: "Export invoices as CSV, with totals",
    });

    expect(second.status).toBe("succeeded");
    expect(second.branch).toBe(first.branch);
    expect(second.merge_request).toEqual(first.merge_request);
    const opened = world.fake.state.mergeRequests.filter(
      (mergeRequest) => mergeRequest.project_id === project.id,
    );
    expect(opened).toHaveLength(1);

    // The second run says on the merge request what it did; the first,
    // which opened it, said so in the description.
    const notes = opened[0]?.notes ?? [];
    expect(notes).toHaveLength(1);
    expect(notes[0]?.body).toContain(
      `Flowgate run [${second.id}](${server.url}/api/v4/projects/` +
        `${project.id}/workflows/runs/${second.id}) pushed new work`,
    );
    expect(notes[0]?.body).toContain(`<!-- flowgate-note:run-${second.id} -->`);
    expect(notes[0]?.body).not.toContain(`run-${first.id} -->`);
  });
});

describe("a run on GitLab whose agent stops short", () => {
  let model: FakeModelServer;
  beforeAll(async () => {
    model = await startOpenAiFake(undefined);
  });
  afterAll(async () => model.close());

  it("leaves one note on the merge request saying why, also when GitLab lost its answer", async () => {
    const project = await world.project();
    await registerOnFlowgate(server, world, project);
    const trigger = await server.createTrigger(project.id, {
      rate_limit: { limit: 0, window_s: 60 },
      model: {
        kind: "openai-compatible",
        name: "gpt-test",
        base_url: `${model.url}/v1`,
      },
      budgets: { max_steps: 1 },
    });
    model.reply(
      {
        toolCalls: [
          {
            name: "write_file",
            arguments: { path: "part-1.txt", content: "part\n" },
          },
        ],
      },
      {
        toolCalls: [
          {
            name: "write_file",
            arguments: { path: "part-2.txt", content: "more\n" },
          },
        ],
      },
    );
    // The first note's answer is lost after GitLab made it.
    world.fake.fault(
      { method: "POST", path: /\/merge_requests\/\d+\/notes$/ },
      { reset: true, afterWork: true },
    );

    const run = await runTicket(server, project.id, trigger, {
      reference: "GL-9",
    });
    expect(run.status).toBe("failed");
    const [opened] = world.fake.state.mergeRequests.filter(
      (mergeRequest) => mergeRequest.project_id === project.id,
    );
    expect(opened?.notes).toHaveLength(1);
    expect(opened?.notes[0]?.body).toMatch(
      /^\*\*Incomplete:\*\* Flowgate run \[\d+\]\(.*\) stopped before it finished: the agent stopped before finishing: it used up its budget of 1 step/,
    );
  });
});
