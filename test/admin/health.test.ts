import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

let server: TestServer;
let metrics: string;

/** The value of one sample line, e.g. `flowgate_runs{status="queued"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text
    .split("\n")
    .find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

async function scrape(target: TestServer): Promise<string> {
  const response = await fetch(`${target.url}/-/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
  return response.text();
}

beforeAll(async () => {
  server = await startTestServer();
  const project = await server.createProject("acme/health");
  const trigger = await server.createTrigger(project.id);
  const accepted = await deliver(
    server,
    project.id,
    signGeneric(
      trigger.signing_secret,
      { title: "Measure me", external_reference: "MET-1" },
      { token: trigger.token },
    ),
  );
  const refused = await deliver(
    server,
    project.id,
    signGeneric(trigger.signing_secret, {
      title: "No token",
      external_reference: "MET-2",
    }),
  );
  expect([accepted.status, refused.status]).toEqual([202, 401]);
  await server.waitForRun(project.id, accepted.body.id);
  metrics = await scrape(server);
});
afterAll(async () => server.close());

describe("health endpoints", () => {
  it("answers liveness", async () => {
    const response = await fetch(`${server.url}/-/liveness`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("answers readiness with the database reachable and migrated", async () => {
    const response = await fetch(`${server.url}/-/readiness`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", database: "ok" });
  });

  it("answers readiness 503 once the database is gone", async () => {
    const doomed = await startTestServer({ env: { FLOWGATE_ROLE: "api" } });
    try {
      await doomed.app.store.close();

      const response = await fetch(`${doomed.url}/-/readiness`);

      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: "failed" });
    } finally {
      await doomed.server.close();
    }
  });

  it("serves only health and metrics in a worker-only process", async () => {
    const worker = await startTestServer({
      env: { FLOWGATE_ROLE: "worker" },
    });
    try {
      const live = await fetch(`${worker.url}/-/liveness`);
      const admin = await fetch(`${worker.url}/api/v4/projects`, {
        headers: { authorization: `Bearer ${worker.adminToken}` },
      });

      expect(live.status).toBe(200);
      expect(admin.status).toBe(404);
    } finally {
      await worker.close();
    }
  });
});

describe("GET /-/metrics", () => {
  it("counts deliveries by outcome and status", () => {
    expect(
      sample(
        metrics,
        'flowgate_deliveries_total{outcome="accepted",status="202"}',
      ),
    ).toBe(1);
    expect(
      sample(
        metrics,
        'flowgate_deliveries_total{outcome="refused",status="401"}',
      ),
    ).toBe(1);
  });

  it("measures acknowledgement latency per outcome", () => {
    expect(
      sample(
        metrics,
        'flowgate_delivery_ack_seconds_count{outcome="accepted"}',
      ),
    ).toBe(1);
    expect(metrics).toContain(
      'flowgate_delivery_ack_seconds_bucket{le="+Inf",outcome="refused"} 1',
    );
  });

  it("measures the time from receipt to the run's start", () => {
    expect(sample(metrics, "flowgate_run_start_latency_seconds_count")).toBe(1);
    expect(
      sample(metrics, "flowgate_run_start_latency_seconds_sum"),
    ).toBeGreaterThanOrEqual(0);
  });

  it("reports runs by status and the queue depth from the database", () => {
    expect(sample(metrics, 'flowgate_runs{status="succeeded"}')).toBe(1);
    expect(metrics).toContain("# TYPE flowgate_queue_depth gauge");
    expect(sample(metrics, 'flowgate_queue_depth{state="pending"}')).toBe(0);
    expect(sample(metrics, 'flowgate_queue_depth{state="running"}')).toBe(0);
  });

  it("reports a queued run and its pending job in an api-only process", async () => {
    const api = await startTestServer({ env: { FLOWGATE_ROLE: "api" } });
    try {
      const project = await api.createProject("acme/queued");
      const trigger = await api.createTrigger(project.id);
      await deliver(
        api,
        project.id,
        signGeneric(
          trigger.signing_secret,
          { title: "Wait", external_reference: "MET-3" },
          { token: trigger.token },
        ),
      );

      const text = await scrape(api);

      expect(sample(text, 'flowgate_runs{status="queued"}')).toBe(1);
      expect(sample(text, 'flowgate_queue_depth{state="pending"}')).toBe(1);
    } finally {
      await api.close();
    }
  });
});
