import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CreatedTrigger,
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

const TIMELINE = [
  "received",
  "verified",
  "queued",
  "started",
  "branch_created",
  "executed",
  "committed",
  "pushed",
  "merge_request_opened",
  "finished",
];
const TIMED_STEPS = [
  "verified",
  "branch_created",
  "executed",
  "committed",
  "pushed",
  "merge_request_opened",
];

let server: TestServer;
let projectId: number;
let trigger: CreatedTrigger;
let runs: string;
let succeeded: Record<string, any>;

async function sendTicket(externalReference: string, title: string) {
  const answer = await deliver(
    server,
    projectId,
    signGeneric(
      trigger.signing_secret,
      {
        title,
        external_reference: externalReference,
        external_url: `https://jira.example.com/browse/${externalReference}`,
        context: { acceptance_criteria: ["Users can sign in"] },
      },
      { token: trigger.token },
    ),
  );
  expect(answer.status).toBe(202);
  return answer.body;
}

beforeAll(async () => {
  server = await startTestServer();
  projectId = (await server.createProject("acme/runs")).id;
  trigger = await server.createTrigger(projectId);
  runs = `/api/v4/projects/${projectId}/workflows/runs`;
  const accepted = await sendTicket("RUN-1", "Add OAuth login");
  succeeded = await server.waitForRun(projectId, accepted.id);
});
afterAll(async () => server.close());

describe("GET …/workflows/runs/:run_id", () => {
  it("shows a succeeded run with its branch and merge request", () => {
    expect(succeeded).toMatchObject({
      project_id: projectId,
      trigger_id: trigger.id,
      workflow_type: "developer",
      executor: "agent",
      external_system: "generic",
      external_reference: "RUN-1",
      external_url: "https://jira.example.com/browse/RUN-1",
      title: "Add OAuth login",
      status: "succeeded",
      branch: "ai/RUN-1-add-oauth-login",
      merge_request: {
        iid: expect.any(Number),
        web_url: expect.stringContaining("/acme/runs/-/merge_requests/"),
      },
      error: null,
    });
    expect(Date.parse(succeeded.started_at)).toBeGreaterThanOrEqual(
      Date.parse(succeeded.created_at),
    );
    expect(Date.parse(succeeded.finished_at)).toBeGreaterThanOrEqual(
      Date.parse(succeeded.started_at),
    );
  });

  it("shows the timeline in the order the steps happened", () => {
    const events: Array<Record<string, any>> = succeeded.events;

    expect(events.map((event) => event.name)).toEqual(TIMELINE);
    const times = events.map((event) => Date.parse(event.at));
    expect(times.every((time) => Number.isFinite(time))).toBe(true);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it("gives every step of the workflow a duration", () => {
    for (const event of succeeded.events) {
      if (TIMED_STEPS.includes(event.name)) {
        expect(event.duration_ms, event.name).toEqual(expect.any(Number));
        expect(event.duration_ms).toBeGreaterThanOrEqual(0);
      }
    }
    const branch = succeeded.events.find(
      (event: { name: string }) => event.name === "branch_created",
    );
    expect(branch.details.branch).toBe(succeeded.branch);
    const finished = succeeded.events.at(-1);
    expect(finished.details.status).toBe("succeeded");
  });

  it("answers 404 for an unknown run, a non-numeric id, or another project's run", async () => {
    const other = await server.createProject("acme/runs-other");

    for (const path of [
      `${runs}/999999`,
      `${runs}/abc`,
      `/api/v4/projects/${other.id}/workflows/runs/${succeeded.id}`,
    ]) {
      const answer = await server.admin("GET", path);
      expect(answer.status, path).toBe(404);
    }
  });
});

describe("GET …/workflows/runs", () => {
  it("filters by status and by external reference", async () => {
    const second = await sendTicket("RUN-2", "Second ticket");
    await server.waitForRun(projectId, second.id);

    const byReference = await server.admin(
      "GET",
      `${runs}?external_reference=RUN-2`,
    );
    const bySucceeded = await server.admin("GET", `${runs}?status=succeeded`);
    const byFailed = await server.admin("GET", `${runs}?status=failed`);

    expect(byReference.status).toBe(200);
    expect(byReference.body.map((run: { id: number }) => run.id)).toEqual([
      second.id,
    ]);
    expect(bySucceeded.body.map((run: { id: number }) => run.id)).toEqual([
      second.id,
      succeeded.id,
    ]);
    expect(byFailed.body).toEqual([]);
    expect(byReference.body[0]).not.toHaveProperty("events");
  });

  it("refuses an unknown status filter", async () => {
    const answer = await server.admin("GET", `${runs}?status=exploded`);

    expect(answer.status).toBe(400);
    expect(answer.body.errors.status).toBeDefined();
  });
});

describe("cancel and retry of a finished run", () => {
  it("refuses to retry a succeeded run with 409", async () => {
    const answer = await server.admin("POST", `${runs}/${succeeded.id}/retry`);

    expect(answer.status).toBe(409);
    expect(answer.body.message).toMatch(/^409 Conflict/);
    const run = await server.admin("GET", `${runs}/${succeeded.id}`);
    expect(run.body.status).toBe("succeeded");
  });

  it("refuses to cancel a succeeded run with 409", async () => {
    const answer = await server.admin("POST", `${runs}/${succeeded.id}/cancel`);

    expect(answer.status).toBe(409);
    const run = await server.admin("GET", `${runs}/${succeeded.id}`);
    expect(run.body.status).toBe("succeeded");
  });
});
