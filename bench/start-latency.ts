import { randomUUID } from "node:crypto";
import http from "node:http";
import type { ChildServer } from "../test/helpers/child-server.ts";
import { percentile, prepareDurableTarget } from "./ingest.ts";
import { secretKey, signedHeaders } from "./sign.ts";

const SECOND_MS = 1000;
const POLL_MS = 250;

export interface StartLatencyResult {
  ratePerSecond: number;
  /** Keep-alive connections the deliveries were spread over. */
  senders: number;
  projects: number;
  seconds: number;
  accepted: number;
  refused: number;
  /** Runs that had not started when the measurement gave up waiting. */
  notStarted: number;
  receiptToStartP50Ms: number;
  receiptToStartP99Ms: number;
  receiptToStartMaxMs: number;
  /** Runs finished per second while the queue was never empty. */
  workerRunsPerSecond: number;
  /** True when no run waited longer than a second for a worker. */
  keptUp: boolean;
}

interface Target {
  projectId: number;
  key: Buffer;
  token: string;
  path: string;
}

/** One project and trigger per lane; deliveries go round-robin. */
export async function prepareProjects(
  server: ChildServer,
  count: number,
): Promise<Target[]> {
  const targets: Target[] = [];
  for (let index = 1; index <= count; index += 1) {
    const target = await prepareDurableTarget(
      server,
      `bench/start-${randomUUID().slice(0, 6)}-${index}`,
    );
    targets.push({
      projectId: target.projectId,
      key: secretKey(target.secret),
      token: target.token,
      path: target.path,
    });
  }
  return targets;
}

/**
 * Sends `rate` deliveries a second, spread over the projects, for
 * `seconds`, on a fixed schedule (not waiting for answers), from
 * `senders` keep-alive connections taken in turn; then waits until every
 * accepted run has started, and reads each run's timeline:
 * receipt-to-start is the `started` event's time minus the `received`
 * event's time, both taken by the server.
 */
export async function measureStartLatency(
  server: ChildServer,
  targets: Target[],
  load: { rate: number; seconds: number; senders: number },
  waitLimitMs: number,
): Promise<StartLatencyResult> {
  const { rate, seconds, senders } = load;
  const total = Math.round(rate * seconds);
  const prefix = randomUUID().slice(0, 8);
  const connections = Array.from(
    { length: senders },
    () => new http.Agent({ keepAlive: true, maxSockets: 1 }),
  );
  const began = performance.now();
  const answers: Promise<{ projectId: number; runId: number } | undefined>[] =
    [];

  for (let index = 0; index < total; index += 1) {
    const due = began + (index * SECOND_MS) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const target = targets[index % targets.length] as Target;
    const agent = connections[index % senders] as http.Agent;
    answers.push(send(server, target, agent, `${prefix}-${index}`));
  }
  const settled = await Promise.all(answers);
  for (const agent of connections) agent.destroy();
  const accepted = settled.filter((answer) => answer !== undefined);

  // Wait cheaply (one count per project) until nothing is queued, then
  // read each run's timeline once.
  const waitedUntil = Date.now() + waitLimitMs;
  while ((await queuedRuns(server, targets)) > 0 && Date.now() < waitedUntil) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const timings: number[] = [];
  const finished: number[] = [];
  let notStarted = 0;
  for (const run of accepted) {
    const events = await timeline(server, run.projectId, run.runId);
    const received = eventTime(events, "received");
    const started = eventTime(events, "started");
    if (received === undefined || started === undefined) {
      notStarted += 1;
      continue;
    }
    timings.push(started - received);
    const done = eventTime(events, "finished");
    if (done !== undefined) finished.push(done);
  }

  timings.sort((a, b) => a - b);
  const maxMs = timings.at(-1) ?? Number.NaN;
  return {
    ratePerSecond: rate,
    senders,
    projects: targets.length,
    seconds,
    accepted: accepted.length,
    refused: total - accepted.length,
    notStarted,
    receiptToStartP50Ms: percentile(timings, 0.5),
    receiptToStartP99Ms: percentile(timings, 0.99),
    receiptToStartMaxMs: maxMs,
    workerRunsPerSecond: throughput(finished),
    keptUp: notStarted === 0 && maxMs < SECOND_MS,
  };
}

async function send(
  server: ChildServer,
  target: Target,
  agent: http.Agent,
  name: string,
): Promise<{ projectId: number; runId: number } | undefined> {
  const body = JSON.stringify({
    title: `Start latency ${name}`,
    external_reference: `START-${name}`,
  });
  const answer = await post(
    `${server.url}${target.path}`,
    signedHeaders(target.key, target.token, `msg_${name}`, body),
    body,
    agent,
  );
  const id = (answer.body as { id?: unknown } | undefined)?.id;
  if (answer.status !== 202 || typeof id !== "number") return undefined;
  return { projectId: target.projectId, runId: id };
}

/** A POST on the sender's own connection (fetch cannot be given one). */
function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  agent: http.Agent,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: "POST", headers, agent });
    request.on("error", reject);
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        resolve({ status: response.statusCode ?? 0, body: parsed });
      });
    });
    request.end(body);
  });
}

async function queuedRuns(
  server: ChildServer,
  targets: Target[],
): Promise<number> {
  let queued = 0;
  for (const target of targets) {
    const answer = await server.admin(
      "GET",
      `/api/v4/projects/${target.projectId}/workflows/runs?status=queued&per_page=1`,
    );
    queued += Number(answer.headers.get("x-total") ?? 0);
  }
  return queued;
}

type Events = { name: string; at: string }[];

async function timeline(
  server: ChildServer,
  projectId: number,
  runId: number,
): Promise<Events> {
  const answer = await server.admin(
    "GET",
    `/api/v4/projects/${projectId}/workflows/runs/${runId}`,
  );
  return (answer.body?.events ?? []) as Events;
}

/** The first event of that name: a retried run starts more than once. */
function eventTime(events: Events, name: string): number | undefined {
  const event = events.find((candidate) => candidate.name === name);
  return event ? Date.parse(event.at) : undefined;
}

/** Runs finished per second between the first and the last finish. */
function throughput(finishedAt: number[]): number {
  if (finishedAt.length < 2) return Number.NaN;
  const sorted = [...finishedAt].sort((a, b) => a - b);
  const spanMs = (sorted.at(-1) as number) - (sorted[0] as number);
  return spanMs > 0 ? ((sorted.length - 1) * SECOND_MS) / spanMs : Number.NaN;
}
