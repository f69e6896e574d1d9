import { randomUUID } from "node:crypto";
import type { ChildServer } from "../test/helpers/child-server.ts";
import { percentile, prepareDurableTarget } from "./ingest.ts";
import { secretKey, signedHeaders } from "./sign.ts";

const SECOND_MS = 1000;
const POLL_MS = 250;

export interface StartLatencyResult {
  ratePerSecond: number;
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
 * `seconds`, on a fixed schedule (not waiting for answers); then waits
 * until every accepted run has started, and reads each run's timeline:
 * receipt-to-start is the `started` event's time minus the `received`
 * event's time, both taken by the server.
 */
export async function measureStartLatency(
  server: ChildServer,
  targets: Target[],
  rate: number,
  seconds: number,
  waitLimitMs: number,
): Promise<StartLatencyResult> {
  const total = Math.round(rate * seconds);
  const prefix = randomUUID().slice(0, 8);
  const began = performance.now();
  const answers: Promise<{ projectId: number; runId: number } | undefined>[] =
    [];

  for (let index = 0; index < total; index += 1) {
    const due = began + (index * SECOND_MS) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const target = targets[index % targets.length] as Target;
    answers.push(send(server, target, `${prefix}-${index}`));
  }
  const settled = await Promise.all(answers);
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
  name: string,
): Promise<{ projectId: number; runId: number } | undefined> {
  const body = JSON.stringify({
    title: `Start latency ${name}`,
    external_reference: `START-${name}`,
  });
  const response = await fetch(`${server.url}${target.path}`, {
    method: "POST",
    headers: signedHeaders(target.key, target.token, `msg_${name}`, body),
    body,
  });
  const answer = (await response.json()) as { id?: number };
  if (response.status !== 202 || typeof answer.id !== "number") {
    return undefined;
  }
  return { projectId: target.projectId, runId: answer.id };
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
