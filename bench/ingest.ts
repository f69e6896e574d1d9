import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import autocannon from "autocannon";
import {
  type ChildServer,
  freePort,
  REPOSITORY_ROOT,
  waitForReadiness,
} from "../test/helpers/child-server.ts";
import { secretKey, signedHeaders } from "./sign.ts";

/** Where signed deliveries go, and with what to sign them. */
export interface IngestTarget {
  /** "bare", or the deployment measured ("sqlite", "postgres ×2"). */
  name: string;
  /** Connections are spread evenly over these (several API processes). */
  urls: string[];
  path: string;
  token: string;
  secret: string;
}

export interface IngestResult {
  target: IngestTarget["name"];
  senders: number;
  seconds: number;
  sent: number;
  accepted: number;
  acceptedPerSecond: number;
  /** Answers other than 202, by status, and connection errors. */
  others: Record<string, number>;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  ackP50Ms: number;
  ackP99Ms: number;
}

/**
 * Sends signed deliveries for distinct tickets from `senders` concurrent
 * connections for `seconds`, each with its own body, external_reference
 * and webhook-id, built and signed just before it is sent. Latency is
 * measured by the load generator from write to full answer.
 */
export async function measureIngest(
  target: IngestTarget,
  senders: number,
  seconds: number,
): Promise<IngestResult> {
  const key = secretKey(target.secret);
  const prefix = randomUUID().slice(0, 8);
  let sequence = 0;
  const latencies: number[] = [];

  let finish: (result: autocannon.Result) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const options: autocannon.Options = {
    // autocannon spreads connections over several URLs; its types name one.
    url: (target.urls.length === 1 ? target.urls[0] : target.urls) as string,
    connections: senders,
    duration: seconds,
    requests: [
      {
        method: "POST",
        path: target.path,
        setupRequest: (request) => {
          sequence += 1;
          const reference = `BENCH-${prefix}-${sequence}`;
          const body = JSON.stringify({
            title: `Benchmark ticket ${sequence}`,
            description: "A delivery from the ingest benchmark.",
            external_reference: reference,
            external_system: "bench",
            context: { priority: "low", sequence },
          });
          const id = `msg_${prefix}_${sequence}`;
          return {
            ...request,
            body,
            headers: signedHeaders(key, target.token, id, body),
          };
        },
      },
    ],
  };
  const instance = autocannon(options, (error, result) =>
    error ? fail(asError(error)) : finish(result),
  );
  instance.on("response", (_client, statusCode, _bytes, responseTime) => {
    if (statusCode === 202) latencies.push(responseTime);
  });
  const result = await done;

  const others: Record<string, number> = {};
  for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) {
    if (status !== "202") others[status] = stats.count ?? 0;
  }
  const accepted = result.statusCodeStats?.["202"]?.count ?? 0;
  if (accepted !== latencies.length) {
    throw new Error(
      `autocannon counted ${accepted} answers 202, the listener ` +
        `${latencies.length}; the figures cannot be trusted`,
    );
  }
  latencies.sort((a, b) => a - b);
  return {
    target: target.name,
    senders,
    seconds: result.duration,
    sent: result.requests.sent,
    accepted,
    acceptedPerSecond: accepted / result.duration,
    others,
    errors: result.errors,
    timeouts: result.timeouts,
    ackP50Ms: percentile(latencies, 0.5),
    ackP99Ms: percentile(latencies, 0.99),
  };
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** The nearest-rank percentile of sorted values; NaN when there are none. */
export function percentile(sorted: readonly number[], fraction: number) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

/** A project and a trigger without a rate limit, on a Flowgate child;
 * deliveries go to `servers` (the first by default). */
export async function prepareDurableTarget(
  server: ChildServer,
  projectPath: string,
  name = "durable",
  servers: ChildServer[] = [server],
): Promise<IngestTarget & { projectId: number }> {
  const project = await server.admin("POST", "/api/v4/projects", {
    path: projectPath,
  });
  if (project.status !== 201) {
    throw new Error(`creating ${projectPath}: ${JSON.stringify(project.body)}`);
  }
  const trigger = await server.admin(
    "POST",
    `/api/v4/projects/${project.body.id}/workflows/triggers`,
    { source: "generic", rate_limit: { limit: 0, window_s: 60 } },
  );
  if (trigger.status !== 201) {
    throw new Error(`creating a trigger: ${JSON.stringify(trigger.body)}`);
  }
  return {
    name,
    urls: servers.map((each) => each.url),
    path: `/api/v4/projects/${project.body.id}/workflows/trigger`,
    token: trigger.body.token,
    secret: trigger.body.signing_secret,
    projectId: project.body.id,
  };
}

/** Counts the project's runs: every 202 must have left one behind. */
export async function countRuns(
  server: ChildServer,
  projectId: number,
): Promise<number> {
  const answer = await server.admin(
    "GET",
    `/api/v4/projects/${projectId}/workflows/runs?per_page=1`,
  );
  return Number(answer.headers.get("x-total"));
}

export interface BareServer {
  target: IngestTarget;
  stop(): Promise<void>;
}

/** Starts bench/bare-server.ts as its own process with a fresh secret. */
export async function startBareServer(): Promise<BareServer> {
  const port = await freePort();
  const secret = `whsec_${randomBytes(24).toString("base64")}`;
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", "bench/bare-server.ts"],
    {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, BARE_PORT: String(port), BARE_SECRET: secret },
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", resolve));
  const url = `http://127.0.0.1:${port}`;
  await waitForReadiness(url, child, 30_000);
  return {
    target: {
      name: "bare",
      urls: [url],
      path: "/trigger",
      token: "unused",
      secret,
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
      }
      await exited;
    },
  };
}
