import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

const PLAN = "docs/plans/MR-1.md";

let server: TestServer;
let projectId: number;
let base: string;
let run: Record<string, any>;

beforeAll(async () => {
  server = await startTestServer();
  projectId = (await server.createProject("acme/merge")).id;
  base = `/api/v4/projects/${projectId}`;
  const trigger = await server.createTrigger(projectId);
  const answer = await deliver(
    server,
    projectId,
    signGeneric(
      trigger.signing_secret,
      {
        title: "Export invoices as CSV",
        external_reference: "MR-1",
        external_url: "https://jira.example.com/browse/MR-1",
        context: { acceptance_criteria: "- One row per invoice\n- UTF-8" },
      },
      { token: trigger.token },
    ),
  );
  expect(answer.status).toBe(202);
  run = await server.waitForRun(projectId, answer.body.id);
  expect(run.status).toBe("succeeded");
});
afterAll(async () => server.close());

function rawFile(file: string, ref: string) {
  return server.admin(
    "GET",
    `${base}/repository/files/${encodeURIComponent(file)}/raw?ref=${encodeURIComponent(ref)}`,
  );
}

describe("GET …/merge_requests", () => {
  it("lists the run's draft merge request in GitLab's shape", async () => {
    const list = await server.admin("GET", `${base}/merge_requests`);

    expect(list.status).toBe(200);
    expect(list.headers.get("x-total")).toBe("1");
    expect(list.body).toHaveLength(1);
    expect(list.body[0]).toMatchObject({
      iid: run.merge_request.iid,
      project_id: projectId,
      title: "MR-1: Export invoices as CSV",
      source_branch: run.branch,
      target_branch: "main",
      state: "opened",
      draft: true,
      web_url: run.merge_request.web_url,
    });
  });

  it("describes the ticket with a link and its criteria as a checklist", async () => {
    const one = await server.admin(
      "GET",
      `${base}/merge_requests/${run.merge_request.iid}`,
    );

    expect(one.status).toBe(200);
    expect(one.body.description).toContain(
      "[MR-1](https://jira.example.com/browse/MR-1)",
    );
    expect(one.body.description).toContain(
      "- [ ] One row per invoice\n- [ ] UTF-8",
    );
  });

  it("answers 404 for an unknown merge request", async () => {
    for (const iid of ["999", "abc"]) {
      const answer = await server.admin("GET", `${base}/merge_requests/${iid}`);
      expect(answer.status).toBe(404);
    }
  });

  it("refuses an unknown state filter", async () => {
    const answer = await server.admin(
      "GET",
      `${base}/merge_requests?state=lost`,
    );

    expect(answer.status).toBe(400);
  });
});

describe("the run's branch", () => {
  it("holds the plan, which main does not have yet", async () => {
    const onBranch = await rawFile(PLAN, run.branch);
    const onMain = await rawFile(PLAN, "main");

    expect(onBranch.status).toBe(200);
    expect(onBranch.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(String(onBranch.body)).toContain("Export invoices as CSV");
    expect(onMain.status).toBe(404);
  });

  it("compares with main as one commit adding the plan", async () => {
    const compare = await server.admin(
      "GET",
      `${base}/repository/compare?from=main&to=${encodeURIComponent(run.branch)}`,
    );

    expect(compare.status).toBe(200);
    expect(compare.body.compare_same_ref).toBe(false);
    expect(compare.body.commits).toHaveLength(1);
    expect(compare.body.commits[0].title).toBe("MR-1: Export invoices as CSV");
    expect(compare.body.diffs).toEqual([
      expect.objectContaining({ new_path: PLAN, new_file: true }),
    ]);
    expect(compare.body.diffs[0].diff).toContain("+");
  });

  it("refuses a compare with a missing ref or one that does not exist", async () => {
    const missing = await server.admin(
      "GET",
      `${base}/repository/compare?from=main`,
    );
    const unknown = await server.admin(
      "GET",
      `${base}/repository/compare?from=main&to=no-such-branch`,
    );

    expect(missing.status).toBe(400);
    expect(missing.body.errors.to).toBeDefined();
    expect(unknown.status).toBe(404);
  });
});

describe("POST …/merge_requests/:iid/merge", () => {
  it("merges the merge request, putting the plan on main, and refuses a second merge", async () => {
    const iid = run.merge_request.iid;

    const merged = await server.admin(
      "POST",
      `${base}/merge_requests/${iid}/merge`,
    );

    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({
      iid,
      state: "merged",
      merge_commit_sha: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    const onMain = await rawFile(PLAN, "main");
    expect(onMain.status).toBe(200);
    expect(String(onMain.body)).toContain("Export invoices as CSV");
    const listed = await server.admin(
      "GET",
      `${base}/merge_requests?state=merged`,
    );
    expect(listed.body.map((item: { iid: number }) => item.iid)).toEqual([iid]);

    const again = await server.admin(
      "POST",
      `${base}/merge_requests/${iid}/merge`,
    );
    expect(again.status).toBe(405);
    expect(again.body.message).toMatch(/^405 /);

    const audit = await server.admin("GET", `${base}/workflows/audit_events`);
    expect(audit.body[0].details).toMatchObject({
      custom_message: "merged merge request",
      target_type: "MergeRequest",
      target_id: iid,
    });
  });

  it("answers 404 when merging an unknown merge request", async () => {
    const answer = await server.admin(
      "POST",
      `${base}/merge_requests/999/merge`,
    );

    expect(answer.status).toBe(404);
  });
});
