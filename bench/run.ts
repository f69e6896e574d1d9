// npm run bench [-- --duration <s>] [--quick] [--profile]
//                 [--db sqlite,postgres] [--api-processes 1,2]
//                 [--rate 20] [--start-senders 64]
//
// Two measurements against the real server, each server its own process
// and the load generated from this one. --db names the storages to
// measure (SQLite in WAL mode with synchronous=FULL, the default; and/or
// PostgreSQL on FLOWGATE_BENCH_POSTGRES_URL, a fresh database each time);
// --api-processes adds PostgreSQL deployments with several API processes
// sharing the database, the load spread over them.
//
//   ingest          signed deliveries for distinct tickets at 16, 64 and 256
//                   concurrent senders, workers off (FLOWGATE_ROLE=api),
//                   beside a bare node:http server doing only the signature
//                   check and JSON.parse (bench/bare-server.ts), each
//                   deployment in turn at each level
//   start latency   a steady rate of deliveries over four projects from
//                   64 concurrent sender connections, workers on (one
//                   process, role all), per storage; receipt-to-start
//                   from each run's timeline
//
// Results go to bench/results/latest.json.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { ChildServer } from "../test/helpers/child-server.ts";
import { REPOSITORY_ROOT } from "../test/helpers/child-server.ts";
import {
  type Deployment,
  deployments,
  type Storage,
  withDeployment,
} from "./deployment.ts";
import {
  countRuns,
  type IngestResult,
  type IngestTarget,
  measureIngest,
  prepareDurableTarget,
  startBareServer,
} from "./ingest.ts";
import {
  measureStartLatency,
  prepareProjects,
  type StartLatencyResult,
} from "./start-latency.ts";

const TARGETS = {
  ingestRatioAt64: 0.4,
  ackP99At64Ms: 25,
  receiptToStartP99Ms: 50,
};

const { values: args } = parseArgs({
  options: {
    duration: { type: "string" },
    quick: { type: "boolean", default: false },
    senders: { type: "string", default: "16,64,256" },
    rate: { type: "string", default: "20" },
    "start-senders": { type: "string", default: "64" },
    "start-seconds": { type: "string" },
    projects: { type: "string", default: "4" },
    profile: { type: "boolean", default: false },
    db: { type: "string", default: "sqlite" },
    "api-processes": { type: "string", default: "1" },
    out: { type: "string", default: "bench/results/latest.json" },
  },
});

const quick = args.quick === true;
const settings = {
  ingestSeconds: positive("duration", args.duration ?? (quick ? "3" : "10")),
  warmupSeconds: quick ? 1 : 3,
  senders: args.senders.split(",").map((value) => positive("senders", value)),
  rate: positive("rate", args.rate),
  /** Connections the start-latency deliveries are spread over. */
  startSenders: positive("start-senders", args["start-senders"]),
  startSeconds: positive(
    "start-seconds",
    args["start-seconds"] ?? (quick ? "6" : "15"),
  ),
  projects: positive("projects", args.projects),
  storages: args.db.split(",").map(storage),
  apiProcesses: args["api-processes"]
    .split(",")
    .map((value) => positive("api-processes", value)),
  /** The first phase: the queue grows when the workers cannot keep up. */
  askedSeconds: quick ? 3 : 5,
  askedWaitLimitMs: quick ? 10_000 : 30_000,
  startWaitLimitMs: 30_000,
};

function storage(value: string): Storage {
  if (value === "sqlite" || value === "postgres") return value;
  throw new Error(`--db takes sqlite and/or postgres, not "${value}"`);
}

function positive(name: string, value: string): number {
  const number = Number(value);
  if (!(number > 0)) {
    throw new Error(`--${name} must be a positive number, not "${value}"`);
  }
  return number;
}

const machine = {
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  cpuModel: os.cpus()[0]?.model ?? "unknown",
  cpus: os.cpus().length,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  loadAverageAtStart: os.loadavg().map((load) => Number(load.toFixed(2))),
};

const measured = deployments(settings.storages, settings.apiProcesses);

function nodeArgs(): string[] {
  const profileDir = path.join(REPOSITORY_ROOT, "bench", "results", "profiles");
  return args.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
}

interface DurableTarget {
  target: IngestTarget & { projectId: number };
  /** The deployment's first process, for admin calls. */
  lead: ChildServer;
}

/** Runs `use` with every deployment up at once, so that the measurements
 * of one level follow each other closely. */
async function withAll<T>(
  list: readonly Deployment[],
  use: (durables: DurableTarget[]) => Promise<T>,
  started: DurableTarget[] = [],
): Promise<T> {
  const [first, ...rest] = list;
  if (!first) return use(started);
  return withDeployment(
    first,
    { role: "api", env: {}, nodeArgs: nodeArgs() },
    async ({ servers }) => {
      const [lead] = servers;
      if (!lead) throw new Error(`${first.label}: no server started`);
      const target = await prepareDurableTarget(
        lead,
        `bench/ingest-${started.length}`,
        first.label,
        servers,
      );
      return withAll(rest, use, [...started, { target, lead }]);
    },
  );
}

async function ingest(): Promise<IngestResult[]> {
  console.log(
    `\ningest: ${settings.senders.join(", ")} senders, ` +
      `${settings.ingestSeconds} s each; bare, then ` +
      `${measured.map((d) => d.label).join(", ")}, in turn`,
  );
  const bare = await startBareServer();
  try {
    return await withAll(measured, async (durables) => {
      const targets = [bare.target, ...durables.map((d) => d.target)];
      const results: IngestResult[] = [];
      const accepted = new Map<string, number>();
      const count = (result: IngestResult) =>
        accepted.set(
          result.target,
          (accepted.get(result.target) ?? 0) + result.accepted,
        );
      for (const target of targets) {
        count(await measureIngest(target, 64, settings.warmupSeconds));
      }
      for (const senders of settings.senders) {
        for (const target of targets) {
          const result = await measureIngest(
            target,
            senders,
            settings.ingestSeconds,
          );
          count(result);
          results.push(result);
          console.log(
            `  ${target.name.padEnd(12)} ${String(senders).padStart(3)} senders` +
              `  ${Math.round(result.acceptedPerSecond)} accepted/s` +
              `  p50 ${result.ackP50Ms.toFixed(1)} ms` +
              `  p99 ${result.ackP99Ms.toFixed(1)} ms` +
              describeOthers(result),
          );
        }
      }
      await verifyStored(durables, accepted);
      return results;
    });
  } finally {
    await bare.stop();
  }
}

/** Every 202 must have left a run behind (a few more may exist: requests
 * in flight when a measurement stopped were committed too). */
async function verifyStored(
  durables: DurableTarget[],
  accepted: Map<string, number>,
): Promise<void> {
  for (const { target, lead } of durables) {
    const runs = await countRuns(lead, target.projectId);
    const answered = accepted.get(target.name) ?? 0;
    if (runs < answered) {
      throw new Error(
        `${target.name} answered 202 ${answered} times but holds ${runs} runs`,
      );
    }
    console.log(`  verified ${target.name}: ${runs} runs for ${answered} 202s`);
  }
}

function describeOthers(result: IngestResult): string {
  const parts = Object.entries(result.others).map(
    ([status, count]) => `${count}×${status}`,
  );
  if (result.errors > 0) parts.push(`${result.errors} errors`);
  return parts.length > 0 ? `  (also ${parts.join(", ")})` : "";
}

interface StartLatencyPhases {
  storage: Storage;
  /** At the rate asked for (the 20 a second). */
  asked: StartLatencyResult;
  /** At a rate the workers kept up with in the first phase, if needed. */
  sustainable: StartLatencyResult | undefined;
}

/**
 * First at the rate asked for. When the workers do not keep up with it,
 * receipt-to-start only measures the queue growing, so a second phase
 * runs at half the rate the workers managed in the first: that is the
 * pick-up latency the target is about.
 */
async function startLatency(storage: Storage): Promise<StartLatencyPhases> {
  const asked = await startLatencyPhase(
    storage,
    settings.rate,
    settings.askedSeconds,
    settings.askedWaitLimitMs,
  );
  if (asked.keptUp) return { storage, asked, sustainable: undefined };
  // A fresh server, so that the first phase's backlog is not in the way.
  const rate = Math.max(0.5, Math.floor(asked.workerRunsPerSecond * 5) / 10);
  const sustainable = await startLatencyPhase(
    storage,
    rate,
    settings.startSeconds,
    settings.startWaitLimitMs,
  );
  return { storage, asked, sustainable };
}

async function startLatencyPhase(
  storage: Storage,
  rate: number,
  seconds: number,
  waitLimitMs: number,
): Promise<StartLatencyResult> {
  const deployment = { storage, apiProcesses: 1, label: storage };
  const options = { role: "all" as const, env: {}, nodeArgs: nodeArgs() };
  return withDeployment(deployment, options, async ({ servers }) => {
    const server = servers[0] as ChildServer;
    const targets = await prepareProjects(server, settings.projects);
    console.log(
      `\nstart latency on ${storage}: ${rate}/s from ` +
        `${settings.startSenders} senders over ${targets.length} ` +
        `projects for ${seconds} s, workers on (role all)`,
    );
    const result = await measureStartLatency(
      server,
      targets,
      { rate, seconds, senders: settings.startSenders },
      waitLimitMs,
    );
    console.log(
      `  ${result.accepted} accepted; receipt-to-start ` +
        `p50 ${result.receiptToStartP50Ms} ms, ` +
        `p99 ${result.receiptToStartP99Ms} ms, ` +
        `max ${result.receiptToStartMaxMs} ms; workers finished ` +
        `${result.workerRunsPerSecond.toFixed(1)} runs/s` +
        (result.notStarted > 0
          ? `; ${result.notStarted} not started after ` +
            `${waitLimitMs / 1000} s (percentiles are lower bounds)`
          : "") +
        (result.keptUp ? "" : "; the workers did not keep up"),
    );
    return result;
  });
}

interface Verdict {
  measured: number;
  target: string;
  met: boolean;
}

/** The targets, for each deployment measured. */
function verdicts(
  ingestResults: IngestResult[],
  starts: StartLatencyPhases[],
): Record<string, Verdict> {
  const at = (name: string, senders: number) =>
    ingestResults.find((r) => r.target === name && r.senders === senders);
  const bare64 = at("bare", 64);
  const found: Record<string, Verdict> = {};
  for (const deployment of measured) {
    const durable64 = at(deployment.label, 64);
    const ratio =
      durable64 && bare64
        ? durable64.acceptedPerSecond / bare64.acceptedPerSecond
        : Number.NaN;
    found[`${deployment.label}: ingest ratio at 64`] = {
      measured: round(ratio, 3),
      target: `>= ${TARGETS.ingestRatioAt64}`,
      met: ratio >= TARGETS.ingestRatioAt64,
    };
    const p99 = durable64?.ackP99Ms ?? Number.POSITIVE_INFINITY;
    found[`${deployment.label}: ack p99 at 64 (ms)`] = {
      measured: round(p99, 1),
      target: `< ${TARGETS.ackP99At64Ms}`,
      met: p99 < TARGETS.ackP99At64Ms,
    };
  }
  for (const phases of starts) {
    const start = phases.sustainable ?? phases.asked;
    found[`${phases.storage}: receipt-to-start p99 (ms)`] = {
      measured: start.receiptToStartP99Ms,
      target: `< ${TARGETS.receiptToStartP99Ms}`,
      met:
        start.notStarted === 0 &&
        start.receiptToStartP99Ms < TARGETS.receiptToStartP99Ms,
    };
  }
  return found;
}

function printTable(ingestResults: IngestResult[]): void {
  console.log(
    "\n| senders | deployment | accepted/s | ratio to bare | ack p50 | ack p99 |",
  );
  console.log("| ---: | --- | ---: | ---: | ---: | ---: |");
  for (const senders of settings.senders) {
    const bare = ingestResults.find(
      (r) => r.target === "bare" && r.senders === senders,
    );
    for (const result of ingestResults) {
      if (result.senders !== senders || !bare) continue;
      console.log(
        `| ${senders} | ${result.target} | ` +
          `${Math.round(result.acceptedPerSecond)} | ` +
          `${(result.acceptedPerSecond / bare.acceptedPerSecond).toFixed(2)} | ` +
          `${result.ackP50Ms.toFixed(1)} ms | ${result.ackP99Ms.toFixed(1)} ms |`,
      );
    }
  }
}

function roundStart(result: StartLatencyResult): StartLatencyResult {
  return {
    ...result,
    workerRunsPerSecond: round(result.workerRunsPerSecond, 2),
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

async function main(): Promise<void> {
  console.log(
    `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.os}, ` +
      `node ${machine.node}, load ${machine.loadAverageAtStart.join(" ")}`,
  );
  const began = Date.now();
  const ingestResults = await ingest();
  const starts: StartLatencyPhases[] = [];
  for (const storage of settings.storages) {
    starts.push(await startLatency(storage));
  }
  const targets = verdicts(ingestResults, starts);

  printTable(ingestResults);
  console.log("\ntargets:");
  for (const [name, verdict] of Object.entries(targets)) {
    console.log(
      `  ${verdict.met ? "met    " : "MISSED "} ${name}: ` +
        `${verdict.measured} (target ${verdict.target})`,
    );
  }

  const report = {
    measuredAt: new Date().toISOString(),
    wallSeconds: Math.round((Date.now() - began) / 1000),
    machine,
    settings: { ...settings, quick, profile: args.profile === true },
    server: {
      storage: {
        sqlite: "SQLite, WAL, synchronous=FULL",
        postgres: "PostgreSQL (pool of 10 per process, default settings)",
      },
      deployments: measured,
      ingestRole: "api",
      startRole: "all",
    },
    ingest: ingestResults.map((result) => ({
      ...result,
      seconds: round(result.seconds, 2),
      acceptedPerSecond: Math.round(result.acceptedPerSecond),
      ackP50Ms: round(result.ackP50Ms, 2),
      ackP99Ms: round(result.ackP99Ms, 2),
    })),
    startLatency: {
      phases: starts.map((phases) => ({
        storage: phases.storage,
        asked: roundStart(phases.asked),
        sustainable: phases.sustainable && roundStart(phases.sustainable),
      })),
      note:
        "receipt-to-start = the run's started event minus its received " +
        "event; the target is judged on the sustainable phase when the " +
        "workers could not keep up with the asked rate",
    },
    targets,
  };
  const out = path.resolve(REPOSITORY_ROOT, args.out);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  // In the repository's own format, so that `biome check .` stays clean.
  execFileSync(
    path.join(REPOSITORY_ROOT, "node_modules", ".bin", "biome"),
    ["format", "--write", out],
    { cwd: REPOSITORY_ROOT, stdio: "ignore" },
  );
  console.log(`\nwritten to ${path.relative(REPOSITORY_ROOT, out)}`);
}

// Exiting kills the server children (see child-server.ts); a Ctrl-C must
// exit rather than die, so that this happens.
process.once("SIGINT", () => process.exit(130));

main().catch((error: unknown) => {
  console.error("bench failed:", error);
  process.exitCode = 1;
});
