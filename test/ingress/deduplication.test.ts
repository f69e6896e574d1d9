import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CreatedTrigger,
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

describe("deduplication", () => {
  let server: TestServer;
  let project: { id: number };
  let trigger: CreatedTrigger;

  beforeAll(async () => {
    server = await startTestServer();
    project = await server.createProject();
    trigger = await server.createTrigger(project.id);
  });
  afterAll(async () => server.close());

  const signed = (payload: unknown, id?: string) =>
    signGeneric(trigger.signing_secret, payload, {
      token: trigger.token,
      ...(id ? { id } : {}),
    });

  const runsFor = async (reference: string) => {
    const runs = await server.admin(
      "GET",
      `/api/v4/projects/${project.id}/workflows/runs?external_reference=${encodeURIComponent(reference)}`,
    );
    expect(runs.status).toBe(200);
    return runs.body as Array<{ id: number; status: string }>;
  };

  /** The ticket's merge requests, which Flowgate titles "REF: title". */
  const mergeRequestsFor = async (reference: string) => {
    const list = await server.admin(
      "GET",
      `/api/v4/projects/${project.id}/merge_requests?state=all&per_page=100`,
    );
    expect(list.status).toBe(200);
    return (list.body as Array<{ iid: number; title: string }>).filter(
      (mergeRequest) => mergeRequest.title.startsWith(`${reference}: `),
    );
  };

  it("starts one run for the same delivery sent five times", async () => {
    const request = signed(
      { title: "Export invoices as CSV", external_reference: "DUP-1" },
      "msg_five_times",
    );

    const answers = [];
    for (let attempt = 0; attempt < 5; attempt += 1) {
      answers.push(await deliver(server, project.id, request));
    }

    const [first, ...later] = answers;
    expect(first?.status).toBe(202);
    for (const answer of later) {
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        id: first?.body.id,
        external_reference: "DUP-1",
        duplicate: true,
      });
    }
    expect(await runsFor("DUP-1")).toHaveLength(1);
  });

  it("starts one run for the same delivery sent five times at once", async () => {
    const request = signed(
      { title: "Archive old orders", external_reference: "DUP-2" },
      "msg_five_at_once",
    );

    const answers = await Promise.all(
      Array.from({ length: 5 }, () => deliver(server, project.id, request)),
    );

    const accepted = answers.filter((answer) => answer.status === 202);
    expect(accepted).toHaveLength(1);
    const runId = accepted[0]?.body.id;
    for (const answer of answers.filter((a) => a.status !== 202)) {
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ id: runId, duplicate: true });
    }
    expect(await runsFor("DUP-2")).toHaveLength(1);
  });

  it("makes one run and one merge request of three deliveries for a ticket sent at once", async () => {
    const ticket = {
      title: "Rate-limit the login form",
      external_reference: "DUP-3",
    };

    const answers = await Promise.all(
      ["msg_a", "msg_b", "msg_c"].map((id) =>
        deliver(server, project.id, signed(ticket, `${id}_dup3`)),
      ),
    );

    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 200, 202]);
    const runIds = new Set(answers.map((answer) => answer.body.id));
    expect(runIds.size).toBe(1);
    const runs = await runsFor("DUP-3");
    expect(runs).toHaveLength(1);

    const run = await server.waitForRun(project.id, runs[0]?.id as number);
    expect(run.status).toBe("succeeded");
    const mergeRequests = await mergeRequestsFor("DUP-3");
    expect(mergeRequests).toHaveLength(1);
    expect(mergeRequests[0]).toMatchObject({
      source_branch: run.branch,
      draft: true,
      state: "opened",
    });
  });

  it("reuses the branch and merge request for a second run once the first succeeded", async () => {
    const ticket = { title: "Add dark mode", external_reference: "DUP-4" };
    const first = await deliver(
      server,
      project.id,
      signed(ticket, "msg_dup4_1"),
    );
    expect(first.status).toBe(202);
    const firstRun = await server.waitForRun(project.id, first.body.id);
    expect(firstRun.status).toBe("succeeded");
    const before = await mergeRequestsFor("DUP-4");
    expect(before).toHaveLength(1);

    const second = await deliver(
      server,
      project.id,
      signed(
        { ...ticket, description: "Also for the settings page" },
        "msg_dup4_2",
      ),
    );
    expect(second.status).toBe(202);
    expect(second.body.id).not.toBe(first.body.id);
    const secondRun = await server.waitForRun(project.id, second.body.id);

    expect(secondRun.status).toBe("succeeded");
    expect(secondRun.branch).toBe(firstRun.branch);
    const branchStep = (secondRun.events as any[]).find(
      (event) => event.name === "branch_created",
    );
    expect(branchStep?.details).toMatchObject({ reused: true });
    expect(secondRun.merge_request).toEqual(firstRun.merge_request);
    const after = await mergeRequestsFor("DUP-4");
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({
      iid: before[0]?.iid,
      source_branch: firstRun.branch,
      state: "opened",
    });
    expect(await runsFor("DUP-4")).toHaveLength(2);
  });
});
