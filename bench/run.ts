// npm run bench [-- --duration <s>] [--quick] [--profile]
//
// Two measurements against the real server as configured by default
// (SQLite in WAL mode, synchronous=FULL), each server its own process and
// the load generated from this one:
//
//   ingest          signed deliveries for distinct tickets at 16, 64 and 256
//                   concurrent senders, workers off (FLOWGATE_ROLE=api),
//                   beside a bare node:http server doing only the signature
//                   check and JSON.parse (bench/bare-server.ts)
//   start latency   a steady rate of deliveries over four projects with
//                   workers on; receipt-to-start from each run's timeline
//
// Results go to bench/results/latest.json.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  type ChildServer,
  freePort,
  REPOSITORY_ROOT,
  startChildServer,
} from "../test/helpers/child-server.ts";
import {
  countRuns,
  type IngestResult,
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
    "start-seconds": { type: "string" },
    projects: { type: "string", default: "4" },
    profile: { type: "boolean", default: false },
    out: { type: "string", default: "bench/results/latest.json" },
  },
});

const quick = args.quick === true;
const settings = {
  ingestSeconds: positive("duration", args.duration ?? (quick ? "3" : "10")),
  warmupSeconds: quick ? 1 : 3,
  senders: args.senders.split(",").map((value) => positive("senders", value)),
  rate: positive("rate", args.rate),
  startSeconds: positive(
    "start-seconds",
    args["start-seconds"] ?? (quick ? "6" : "15"),
  ),
  projects: positive("projects", args.projects),
  /** The first phase: the queue grows when the workers cannot keep up. */
  askedSeconds: quick ? 3 : 5,
  askedWaitLimitMs: quick ? 10_000 : 30_000,
  startWaitLimitMs: 30_000,
};

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

/** A fresh data directory. On this machine the temporary directory is on
 * the same disk (ext4) as ./data, so commits cost the same fsync. */
function dataDirectory(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `flowgate-bench-${name}-`));
  process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function withServer<T>(
  name: string,
  env: Record<string, string>,
  use: (server: ChildServer) => Promise<T>,
): Promise<T> {
  const dataDir = dataDirectory(name);
  const profileDir = path.join(REPOSITORY_ROOT, "bench", "results", "profiles");
  const server = await startChildServer({
    dataDir,
    port: await freePort(),
    env: { FLOWGATE_LOG_LEVEL: "info", ...env },
    ...(args.profile
      ? { nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] }
      : {}),
  });
  try {
    return await use(server);
  } finally {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function ingest(): Promise<IngestResult[]> {
  console.log(
    `\ningest: ${settings.senders.join(", ")} senders, ` +
      `${settings.ingestSeconds} s each, durable and bare in turn`,
  );
  const bare = await startBareServer();
  try {
    return await withServer(
      "ingest",
      { FLOWGATE_ROLE: "api" },
      async (server) => {
        const durable = await prepareDurableTarget(server, "bench/ingest");
        const results: IngestResult[] = [];
        let durableAccepted = 0;
        for (const target of [bare.target, durable]) {
          const warmup = await measureIngest(
            target,
            64,
            settings.warmupSeconds,
          );
          if (target.name === "durable") durableAccepted += warmup.accepted;
        }
        for (const senders of settings.senders) {
          for (const target of [bare.target, durable]) {
            const result = await measureIngest(
              target,
              senders,
              settings.ingestSeconds,
            );
            if (target.name === "durable") durableAccepted += result.accepted;
            results.push(result);
            console.log(
              `  ${target.name.padEnd(7)} ${String(senders).padStart(3)} senders` +
                `  ${Math.round(result.acceptedPerSecond)} accepted/s` +
                `  p50 ${result.ackP50Ms.toFixed(1)} ms` +
                `  p99 ${result.ackP99Ms.toFixed(1)} ms` +
                describeOthers(result),
            );
          }
        }
        // Every 202 must have left a run behind (a few more may exist:
        // requests in flight when a measurement stopped were committed too).
        const runs = await countRuns(server, durable.projectId);
        if (runs < durableAccepted) {
          throw new Error(
            `the server answered 202 ${durableAccepted} times but holds ` +
              `${runs} runs`,
          );
        }
        console.log(
          `  verified: ${runs} runs stored for ${durableAccepted} 202s`,
        );
        return results;
      },
    );
  } finally {
    await bare.stop();
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
async function startLatency(): Promise<StartLatencyPhases> {
  const asked = await startLatencyPhase(
    settings.rate,
    settings.askedSeconds,
    settings.askedWaitLimitMs,
  );
  if (asked.keptUp) return { asked, sustainable: undefined };
  // A fresh server, so that the first phase's backlog is not in the way.
  const rate = Math.max(0.5, Math.floor(asked.workerRunsPerSecond * 5) / 10);
  const sustainable = await startLatencyPhase(
    rate,
    settings.startSeconds,
    settings.startWaitLimitMs,
  );
  return { asked, sustainable };
}

async function startLatencyPhase(
  rate: number,
  seconds: number,
  waitLimitMs: number,
): Promise<StartLatencyResult> {
  return withServer("start", { FLOWGATE_ROLE: "all" }, async (server) => {
    const targets = await prepareProjects(server, settings.projects);
    console.log(
      `\nstart latency: ${rate}/s over ${targets.length} projects for ` +
        `${seconds} s, workers on (role all)`,
    );
    const result = await measureStartLatency(
      server,
      targets,
      rate,
      seconds,
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

function verdicts(ingestResults: IngestResult[], phases: StartLatencyPhases) {
  const start = phases.sustainable ?? phases.asked;
  const at = (name: string, senders: number) =>
    ingestResults.find((r) => r.target === name && r.senders === senders);
  const durable64 = at("durable", 64);
  const bare64 = at("bare", 64);
  const ratio =
    durable64 && bare64
      ? durable64.acceptedPerSecond / bare64.acceptedPerSecond
      : Number.NaN;
  return {
    ingestRatioAt64: {
      measured: round(ratio, 3),
      target: `>= ${TARGETS.ingestRatioAt64}`,
      met: ratio >= TARGETS.ingestRatioAt64,
    },
    ackP99At64Ms: {
      measured: round(durable64?.ackP99Ms ?? Number.NaN, 1),
      target: `< ${TARGETS.ackP99At64Ms}`,
      met:
        (durable64?.ackP99Ms ?? Number.POSITIVE_INFINITY) <
        TARGETS.ackP99At64Ms,
    },
    receiptToStartP99Ms: {
      measured: start.receiptToStartP99Ms,
      target: `< ${TARGETS.receiptToStartP99Ms}`,
      met:
        start.notStarted === 0 &&
        start.receiptToStartP99Ms < TARGETS.receiptToStartP99Ms,
    },
  };
}

function printTable(ingestResults: IngestResult[]): void {
  console.log(
    "\n| senders | bare accepted/s | durable accepted/s | ratio | " +
      "durable ack p50 | durable ack p99 | bare ack p99 |",
  );
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const senders of settings.senders) {
    const bare = ingestResults.find(
      (r) => r.target === "bare" && r.senders === senders,
    );
    const durable = ingestResults.find(
      (r) => r.target === "durable" && r.senders === senders,
    );
    if (!bare || !durable) continue;
    console.log(
      `| ${senders} | ${Math.round(bare.acceptedPerSecond)} | ` +
        `${Math.round(durable.acceptedPerSecond)} | ` +
        `${(durable.acceptedPerSecond / bare.acceptedPerSecond).toFixed(2)} | ` +
        `${durable.ackP50Ms.toFixed(1)} ms | ${durable.ackP99Ms.toFixed(1)} ms | ` +
        `${bare.ackP99Ms.toFixed(1)} ms |`,
    );
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
  const start = await startLatency();
  const targets = verdicts(ingestResults, start);

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
      storage: "SQLite, WAL, synchronous=FULL",
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
      asked: roundStart(start.asked),
      sustainable: start.sustainable && roundStart(start.sustainable),
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
