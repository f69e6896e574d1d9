import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  type ChildServer,
  freePort,
  listAll,
  startChildServer,
} from "../helpers/child-server.ts";
import {
  createTestDatabase,
  type TestDatabase,
  unavailable,
} from "../helpers/postgres.ts";
import { type SignedRequest, signGeneric } from "../helpers/test-server.ts";
import { type Execution, logTime, overlaps } from "./multi-process-overlaps.ts";

// Issue 3's scale-out promise: two API processes and three workers share
// one PostgreSQL. Deliveries are spread over both API processes (the same
// delivery often reaches both), one worker is killed with SIGKILL while
// runs are under way, and still every acknowledged delivery has exactly
// one run, every run finishes, no job runs on two workers at once, no
// project runs more jobs at once than its limit, the killed worker's job
// is taken over by another, and every ticket has one merge request.

const PROJECTS = 4;
const TICKETS = 700;
/** Tickets that also get a second, different delivery. */
const SECOND_DELIVERIES = 300;
const IN_FLIGHT = 48;
const PROJECT_CONCURRENCY = 2;
const LEASE_SECONDS = 3;
/** The worker dies once this many jobs have started anywhere. */
const KILL_AFTER_STARTED_JOBS = 250;
const DRAIN_TIMEOUT_MS = 240_000;
/** A job's end is logged just after it is finished in the database, so
 * another job of its project may log its start before it: by as long as
 * the machine, busy with five servers and the test, holds back the
 * first process between its commit and its log line. */
const HANDOVER_SLACK_MS = 250;

interface Delivery {
  name: string;
  projectIndex: number;
  reference: string;
  request: SignedRequest;
  api: number;
  status?: number;
  runId?: number;
}

describe.skipIf(unavailable("postgres"))(
  "two API processes and three workers on one PostgreSQL",
  () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-multi-"));
    const children: ChildServer[] = [];
    let database: TestDatabase | undefined;

    afterAll(async () => {
      await Promise.all(children.map((child) => child.kill()));
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it("keeps every acknowledged delivery as one run, runs each job on one worker at a time, and opens one merge request per ticket", {
      timeout: 400_000,
    }, async () => {
      database = await createTestDatabase();
      const executions: Execution[] = [];
      const open = new Map<string, Execution>();
      const linesOf = (process: string) => (line: string) => {
        if (!line.startsWith("{")) return;
        const entry = JSON.parse(line);
        const key = `${process}:${entry.job_id}`;
        if (entry.msg === "job started") {
          const execution: Execution = {
            jobId: entry.job_id,
            projectId: entry.project_id,
            process,
            start: logTime(entry.time),
            end: undefined,
          };
          executions.push(execution);
          open.set(key, execution);
        } else if (entry.msg === "job ended") {
          const execution = open.get(key);
          if (execution) execution.end = logTime(entry.time);
          open.delete(key);
        }
      };
      const start = async (role: string, log?: string) => {
        const child = await startChildServer({
          dataDir,
          port: await freePort(),
          env: {
            FLOWGATE_DATABASE_URL: database?.url ?? "",
            FLOWGATE_ROLE: role,
            FLOWGATE_LOG_LEVEL: log ? "info" : "warn",
            FLOWGATE_JOB_LEASE_SECONDS: String(LEASE_SECONDS),
            FLOWGATE_PROJECT_CONCURRENCY: String(PROJECT_CONCURRENCY),
            FLOWGATE_DATABASE_POOL_SIZE: "6",
          },
          ...(log ? { onLine: linesOf(log) } : {}),
        });
        children.push(child);
        return child;
      };

      // The first process creates the data directory's admin token and
      // secret key; the others, started after it, read the same files.
      const api1 = await start("api");
      const [api2, worker1, worker2, worker3] = await Promise.all([
        start("api"),
        start("worker", "worker-1"),
        start("worker", "worker-2"),
        start("worker", "worker-3"),
      ]);
      const apis = [api1, api2];
      const workers = [worker1, worker2, worker3] as ChildServer[];

      // A worker-only process serves health and metrics, and nothing else.
      const notServed = await fetch(`${worker1?.url}/api/v4/projects/1`);
      expect(notServed.status).toBe(404);
      expect((await fetch(`${worker1?.url}/-/metrics`)).status).toBe(200);

      const targets: Array<{
        projectId: number;
        trigger: { signing_secret: string; token: string };
      }> = [];
      for (let index = 0; index < PROJECTS; index += 1) {
        const project = await api1.admin("POST", "/api/v4/projects", {
          path: `acme/multi-${index}`,
        });
        const trigger = await api2.admin(
          "POST",
          `/api/v4/projects/${project.body.id}/workflows/triggers`,
          { source: "generic", rate_limit: { limit: 0, window_s: 60 } },
        );
        expect(trigger.status).toBe(201);
        targets.push({ projectId: project.body.id, trigger: trigger.body });
      }

      const deliveries = plan(targets);
      expect(deliveries.length).toBeGreaterThanOrEqual(2000);

      let killed: { worker: ChildServer; at: number } | undefined;
      const victim = workers[0] as ChildServer;
      // Killed mid-way, and while it has a job under way.
      const killTime = () =>
        executions.length >= KILL_AFTER_STARTED_JOBS &&
        [...open.keys()].some((key) => key.startsWith("worker-1:"));
      await sendAll(deliveries, IN_FLIGHT, async (delivery) => {
        const api = apis[delivery.api] as ChildServer;
        const target = targets[delivery.projectIndex];
        const response = await fetch(
          `${api.url}/api/v4/projects/${target?.projectId}/workflows/trigger`,
          {
            method: "POST",
            headers: delivery.request.headers,
            body: delivery.request.body,
          },
        );
        const body = (await response.json()) as { id: number };
        delivery.status = response.status;
        if (response.status < 300) delivery.runId = body.id;
        if (!killed && killTime()) {
          killed = { worker: victim, at: Date.now() };
          await victim.kill();
        }
      });
      // The sends may finish before enough jobs started: wait for them.
      while (!killed) {
        if (killTime()) {
          killed = { worker: victim, at: Date.now() };
          await victim.kill();
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }

      // Every delivery was acknowledged: nothing here makes a refusal.
      const refused = deliveries.filter((d) => (d.status ?? 0) >= 300);
      expect(refused.map((d) => [d.name, d.status])).toEqual([]);

      // Every acknowledged delivery names a run of its ticket, and the same
      // delivery, whichever API process took it, names the same run.
      const runOfName = new Map<string, number>();
      for (const delivery of deliveries) {
        const known = runOfName.get(delivery.name);
        if (known !== undefined)
          expect(delivery.runId, delivery.name).toBe(known);
        runOfName.set(delivery.name, delivery.runId as number);
      }

      const survivor = api1;
      const runs = [];
      for (const target of targets) {
        runs.push(...(await waitForIdle(survivor, target.projectId)));
      }
      const runIds = new Set(runs.map((run) => run.id));
      for (const delivery of deliveries) {
        expect(runIds.has(delivery.runId), delivery.name).toBe(true);
      }
      const unfinished = runs.filter((run) => run.status !== "succeeded");
      expect(unfinished.map((run) => [run.id, run.status, run.error])).toEqual(
        [],
      );
      const runOfDelivery = new Map(
        deliveries.map((d) => [d.runId, d.reference]),
      );
      for (const run of runs) {
        const reference = runOfDelivery.get(run.id);
        if (reference) expect(run.external_reference).toBe(reference);
      }

      // The killed worker had a job under way (its start logged, its end
      // never) that another worker ran after the kill, once its lease
      // lapsed. Its logger writes asynchronously, so the kill may also
      // have lost the end line of a job it did finish: that job's run
      // finished all the same (checked above).
      const killedAt = killed.at;
      const cutShort = executions.filter((e) => e.end === undefined);
      expect(cutShort.map((e) => e.process)).toContain("worker-1");
      expect(cutShort.filter((e) => e.process !== "worker-1")).toEqual([]);
      const takenOver = cutShort.filter((execution) =>
        executions.some(
          (e) =>
            e.jobId === execution.jobId &&
            e.process !== "worker-1" &&
            e.start > killedAt &&
            e.end !== undefined,
        ),
      );
      expect(takenOver.length).toBeGreaterThan(0);
      for (const execution of cutShort) execution.end = killedAt;

      // No job ran on two workers at the same time, and no project ran
      // more jobs at once than its limit.
      expect(overlaps(executions, (e) => String(e.jobId), 1)).toEqual([]);
      expect(
        overlaps(
          executions,
          (e) => String(e.projectId),
          PROJECT_CONCURRENCY,
          HANDOVER_SLACK_MS,
        ),
      ).toEqual([]);
      const workersUsed = new Set(executions.map((e) => e.process));
      expect(workersUsed.size).toBe(3);

      // Exactly one merge request per ticket: none missing, none twice.
      for (const [index, target] of targets.entries()) {
        const mergeRequests = await listAll(
          survivor,
          `/api/v4/projects/${target.projectId}/merge_requests?state=all`,
        );
        const references = mergeRequests
          .map((mr) => String(mr.title).split(":")[0])
          .sort();
        const tickets = deliveries
          .filter((d) => d.projectIndex === index)
          .map((d) => d.reference);
        expect(references).toEqual([...new Set(tickets)].sort());
      }
    });
  },
);

/** Each ticket once to one API process and once, the same delivery, to
 * the other; some tickets also a second, different delivery. */
function plan(
  targets: Array<{ trigger: { signing_secret: string; token: string } }>,
): Delivery[] {
  const deliveries: Delivery[] = [];
  for (let index = 0; index < TICKETS; index += 1) {
    const projectIndex = index % targets.length;
    const { trigger } = targets[projectIndex] as (typeof targets)[number];
    const reference = `MULTI-${index}`;
    const sign = (name: string) =>
      signGeneric(
        trigger.signing_secret,
        { title: `Ticket ${index}`, external_reference: reference },
        { id: `msg_${name}`, token: trigger.token },
      );
    const first = sign(`${index}a`);
    deliveries.push(
      { name: `${index}a`, projectIndex, reference, request: first, api: 0 },
      { name: `${index}a`, projectIndex, reference, request: first, api: 1 },
    );
    if (index < SECOND_DELIVERIES) {
      const second = sign(`${index}b`);
      deliveries.push(
        { name: `${index}b`, projectIndex, reference, request: second, api: 1 },
        { name: `${index}b`, projectIndex, reference, request: second, api: 0 },
      );
    }
  }
  return deliveries;
}

async function sendAll(
  deliveries: Delivery[],
  lanes: number,
  send: (delivery: Delivery) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < deliveries.length) {
      const delivery = deliveries[next] as Delivery;
      next += 1;
      await send(delivery);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

async function waitForIdle(server: ChildServer, projectId: number) {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  for (;;) {
    const runs = await listAll(
      server,
      `/api/v4/projects/${projectId}/workflows/runs`,
    );
    const active = runs.filter(
      (run) => run.status === "queued" || run.status === "running",
    );
    if (active.length === 0) return runs;
    if (Date.now() > deadline) {
      throw new Error(`${active.length} runs of project ${projectId} active`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
