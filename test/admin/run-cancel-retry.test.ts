import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CreatedTrigger,
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

// An api-only server has no worker: a run stays queued until asked.
let api: TestServer;
let projectId: number;
let trigger: CreatedTrigger;
let runs: string;

beforeAll(async () => {
  api = await startTestServer({ env: { FLOWGATE_ROLE: "api" } });
  projectId = (await api.createProject("acme/cancel")).id;
  trigger = await api.createTrigger(projectId);
  runs = `/api/v4/projects/${projectId}/workflows/runs`;
});
afterAll(async () => api.close());

async function queueRun(externalReference: string): Promise<number> {
  const answer = await deliver(
    api,
    projectId,
    signGeneric(
      trigger.signing_secret,
      {
        title: `Ticket ${externalReference}`,
        external_reference: externalReference,
      },
      { token: trigger.token },
    ),
  );
  expect(answer.status).toBe(202);
  return answer.body.id;
}

function jobsOf(runId: number) {
  return api.app.store.db
    .selectFrom("jobs")
    .select(["id", "status"])
    .where("run_id", "=", runId)
    .orderBy("id")
    .execute();
}

function eventNames(run: { events: Array<{ name: string }> }): string[] {
  return run.events.map((event) => event.name);
}

describe("POST …/workflows/runs/:run_id/cancel", () => {
  it("cancels a queued run and its pending job", async () => {
    const runId = await queueRun("CAN-1");

    const canceled = await api.admin("POST", `${runs}/${runId}/cancel`);

    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe("canceled");
    expect(canceled.body.finished_at).toEqual(expect.any(String));
    expect(eventNames(canceled.body).at(-1)).toBe("canceled");
    expect(await jobsOf(runId)).toEqual([
      { id: expect.any(Number), status: "canceled" },
    ]);
  });

  it("answers 409 to a second cancel", async () => {
    const runId = await queueRun("CAN-2");
    await api.admin("POST", `${runs}/${runId}/cancel`);

    const again = await api.admin("POST", `${runs}/${runId}/cancel`);

    expect(again.status).toBe(409);
    expect(again.body.message).toContain("canceled");
  });

  it("records the cancel in the audit log", async () => {
    const runId = await queueRun("CAN-3");
    await api.admin("POST", `${runs}/${runId}/cancel`);

    const audit = await api.admin(
      "GET",
      `/api/v4/projects/${projectId}/workflows/audit_events`,
    );

    expect(audit.body[0].details).toMatchObject({
      custom_message: "canceled run",
      author_name: "instance admin",
      target_type: "Run",
      target_id: runId,
    });
  });
});

describe("POST …/workflows/runs/:run_id/retry", () => {
  it("queues a canceled run again with a new pending job", async () => {
    const runId = await queueRun("RET-1");
    await api.admin("POST", `${runs}/${runId}/cancel`);

    const retried = await api.admin("POST", `${runs}/${runId}/retry`);

    expect(retried.status).toBe(201);
    expect(retried.body.status).toBe("queued");
    expect(retried.body.finished_at).toBeNull();
    expect(eventNames(retried.body).slice(-2)).toEqual(["canceled", "retried"]);
    const jobs = await jobsOf(runId);
    expect(jobs.map((job) => job.status)).toEqual(["canceled", "pending"]);
  });

  it("refuses to retry a queued run", async () => {
    const runId = await queueRun("RET-2");

    const answer = await api.admin("POST", `${runs}/${runId}/retry`);

    expect(answer.status).toBe(409);
    expect((await jobsOf(runId)).map((job) => job.status)).toEqual(["pending"]);
  });

  it("refuses to retry while another run for the ticket is active", async () => {
    const first = await queueRun("RET-3");
    await api.admin("POST", `${runs}/${first}/cancel`);
    const second = await queueRun("RET-3");
    expect(second).not.toBe(first);

    const answer = await api.admin("POST", `${runs}/${first}/retry`);

    expect(answer.status).toBe(409);
    expect(answer.body.message).toContain("RET-3");
    const run = await api.admin("GET", `${runs}/${first}`);
    expect(run.body.status).toBe("canceled");
  });

  it("lets a worker on the same data directory finish the retried run", async () => {
    const runId = await queueRun("RET-4");
    await api.admin("POST", `${runs}/${runId}/cancel`);
    await api.admin("POST", `${runs}/${runId}/retry`);

    const worker = await startTestServer({
      dataDir: api.dataDir,
      env: { FLOWGATE_ROLE: "all" },
    });
    try {
      const finished = await worker.waitForRun(projectId, runId);

      expect(finished.status).toBe("succeeded");
      expect(finished.branch).toBe("ai/RET-4-ticket-ret-4");
      const names = eventNames(finished as never);
      expect(names.indexOf("retried")).toBeLessThan(names.indexOf("started"));
      expect(names.at(-1)).toBe("finished");
    } finally {
      await worker.close();
    }
  });
});
