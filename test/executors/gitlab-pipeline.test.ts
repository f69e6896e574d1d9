import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CreatedTrigger } from "../helpers/test-server.ts";
import {
  API_TOKEN,
  eventsNamed,
  expectTokenOnlyInAuthHeader,
  type GitLabExecutorFixture,
  PROJECT_ID,
  runOf,
  sendTicket,
  startGitLabExecutorFixture,
  TRIGGER_TOKEN,
} from "./gitlab-executor-fixture.ts";

// The gitlab_pipeline executor through the real server: a generic
// ticket creates a pipeline on a fake GitLab (`POST …/pipeline`, the
// project's token) with the ticket as JSON in a file variable; the run
// follows the pipeline and attaches the merge request its job opened
// from FLOWGATE_SOURCE_BRANCH.

const CREATE_PATH = `/api/v4/projects/${PROJECT_ID}/pipeline`;

let fixture: GitLabExecutorFixture;
let trigger: CreatedTrigger;
beforeAll(async () => {
  fixture = await startGitLabExecutorFixture();
  trigger = await fixture.server.createTrigger(PROJECT_ID, {
    executor: "gitlab_pipeline",
  });
});
afterAll(async () => fixture.close());

let tickets = 0;
async function runTicket(description = "Customers want PDF invoices.") {
  tickets += 1;
  const runId = await sendTicket(fixture.server, trigger, {
    external_reference: `OPS-${tickets}`,
    title: "Export invoices as PDF",
    description,
    context: { acceptance_criteria: "- One PDF per invoice\n- Paged" },
  });
  await fixture.server.waitForRun(PROJECT_ID, runId);
  return runOf(fixture.server, runId);
}

const createPosts = () =>
  fixture.gitlab.requests.filter(
    (request) => request.method === "POST" && request.path === CREATE_PATH,
  );

describe("the gitlab_pipeline executor", () => {
  it("creates a pipeline with the ticket as JSON in a file variable and attaches the merge request its job opened", async () => {
    // Ticket text that GitLab would expand as variable references.
    const description = "Costs $5; never print $CI_JOB_TOKEN or $" + "{KEY}.";

    const run = await runTicket(description);

    expect(run.status, run.error).toBe("succeeded");
    const pipeline = fixture.remote.pipelines.at(-1);
    expect(pipeline?.ref).toBe("main");
    expect(pipeline?.source).toBe("api");
    expect(pipeline?.variableTypes).toEqual({
      FLOWGATE_RUN_ID: "env_var",
      FLOWGATE_REQUEST_KEY: "env_var",
      FLOWGATE_EXTERNAL_REFERENCE: "env_var",
      FLOWGATE_SOURCE_BRANCH: "env_var",
      FLOWGATE_TARGET_BRANCH: "env_var",
      FLOWGATE_TICKET: "file",
    });
    expect(pipeline?.variables).toMatchObject({
      FLOWGATE_RUN_ID: String(run.id),
      FLOWGATE_EXTERNAL_REFERENCE: run.external_reference,
      FLOWGATE_SOURCE_BRANCH: run.branch,
      FLOWGATE_TARGET_BRANCH: "main",
    });
    // GitLab would expand `$NAME` in a variable: the JSON spells no `$`
    // and still parses back to the ticket's own text.
    const ticketJson = pipeline?.variables.FLOWGATE_TICKET ?? "";
    expect(ticketJson).not.toContain("$");
    expect(JSON.parse(ticketJson)).toMatchObject({
      run_id: run.id,
      external_reference: run.external_reference,
      title: "Export invoices as PDF",
      description,
      acceptance_criteria: ["One PDF per invoice", "Paged"],
    });

    const opened = fixture.gitlab.state.mergeRequests.find(
      (mergeRequest) => mergeRequest.source_branch === run.branch,
    );
    expect(run.merge_request?.iid).toBe(opened?.iid);
    expect(eventsNamed(run, "merge_request_opened")[0]?.details).toMatchObject({
      iid: opened?.iid,
      web_url: opened?.web_url,
    });
    expect(eventsNamed(run, "remote_started")[0]?.details).toMatchObject({
      executor: "gitlab_pipeline",
      id: pipeline?.id,
      url: pipeline?.webUrl,
    });
    expect(eventsNamed(run, "executed")[0]?.details).toMatchObject({
      executor: "gitlab_pipeline",
      pipeline_id: pipeline?.id,
      ref: "main",
    });
  });

  it("fails the run with the pipeline's status when the pipeline fails", async () => {
    fixture.remote.scriptPipelines({ statuses: ["running", "failed"] });

    const run = await runTicket();

    expect(run.status).toBe("failed");
    expect(run.error).toContain("ended failed");
    expect(run.error).toContain(fixture.remote.pipelines.at(-1)?.webUrl);
    expect(run.merge_request).toBeNull();
    expect(eventsNamed(run, "retry_scheduled")).toEqual([]);
  });

  it("records that a manual job waits for a person, then follows the pipeline to its end", async () => {
    fixture.remote.scriptPipelines({ statuses: ["manual", "success"] });

    const run = await runTicket();

    expect(run.status, run.error).toBe("succeeded");
    expect(eventsNamed(run, "action_required")[0]?.details).toMatchObject({
      status: "manual",
      action: "play the pipeline's manual job in GitLab",
      url: fixture.remote.pipelines.at(-1)?.webUrl,
    });
  });

  it("makes exactly one pipeline when the create's answer is lost", async () => {
    fixture.gitlab.fault(
      { method: "POST", path: new RegExp(`^${CREATE_PATH}$`) },
      { reset: true, afterWork: true },
    );
    const pipelines = fixture.remote.pipelines.length;
    const posts = createPosts().length;

    const run = await runTicket();

    expect(run.status, run.error).toBe("succeeded");
    expect(createPosts().length).toBe(posts + 1);
    expect(fixture.remote.pipelines.length).toBe(pipelines + 1);
    expect(eventsNamed(run, "remote_started")[0]?.details).toMatchObject({
      recovered: true,
    });
  });

  it("names the ref to fix when GitLab refuses the create, never the token", async () => {
    fixture.gitlab.fault(
      { method: "POST", path: new RegExp(`^${CREATE_PATH}$`) },
      { status: 400, body: { message: { base: ["Reference not found"] } } },
    );

    const run = await runTicket();

    expect(run.status).toBe("failed");
    expect(run.error).toContain("Reference not found");
    expect(run.error).toContain('the ref "main" may not exist');
    expect(run.error).toContain('$CI_PIPELINE_SOURCE == "api"');
    expect(run.error).not.toContain(API_TOKEN);
  });

  it("sends the project's token only as its authentication header, and no log or run shows it", async () => {
    expect(createPosts().length).toBeGreaterThan(0);

    expectTokenOnlyInAuthHeader(fixture, API_TOKEN);
    // The trigger token of older set-ups is never sent at all.
    for (const request of fixture.gitlab.requests) {
      expect(JSON.stringify(request.headers)).not.toContain(TRIGGER_TOKEN);
      expect(request.body.toString("utf8")).not.toContain(TRIGGER_TOKEN);
    }
    const runs = await fixture.server.admin(
      "GET",
      `/api/v4/projects/${PROJECT_ID}/workflows/runs?per_page=100`,
    );
    for (const listed of runs.body as { id: number }[]) {
      const run = await runOf(fixture.server, listed.id);
      expect(JSON.stringify(run)).not.toContain(API_TOKEN);
    }
  });
});

describe("a canceled gitlab_pipeline run", () => {
  it("cancels its pipeline on GitLab too, and says so on the run", async () => {
    fixture.remote.scriptPipelines({ statuses: ["running"] });
    tickets += 1;
    const runId = await sendTicket(fixture.server, trigger, {
      external_reference: `OPS-${tickets}`,
      title: "A long pipeline",
    });
    const deadline = Date.now() + 10_000;
    while (
      eventsNamed(await runOf(fixture.server, runId), "remote_status")
        .length === 0
    ) {
      if (Date.now() > deadline) throw new Error("the pipeline was never read");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }

    const canceled = await fixture.server.admin(
      "POST",
      `/api/v4/projects/${PROJECT_ID}/workflows/runs/${runId}/cancel`,
    );
    expect(canceled.status).toBe(200);

    const pipeline = fixture.remote.pipelines.at(-1);
    const stopBy = Date.now() + 5_000;
    while (!pipeline?.canceledByApi) {
      if (Date.now() > stopBy) throw new Error("the pipeline was not canceled");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(pipeline.status).toBe("canceled");
    const cancels = fixture.gitlab.requests.filter(
      (request) =>
        request.method === "POST" &&
        request.path ===
          `/api/v4/projects/${PROJECT_ID}/pipelines/${pipeline.id}/cancel`,
    );
    expect(cancels).toHaveLength(1);
    while (
      !eventsNamed(await runOf(fixture.server, runId), "remote_status").some(
        (event) => event.details.status === "cancel_requested",
      )
    ) {
      if (Date.now() > stopBy) throw new Error("no cancel_requested event");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const run = await runOf(fixture.server, runId);
    expect(run.status).toBe("canceled");
  });
});
