import { parentPort, workerData } from "node:worker_threads";
import { claimJob } from "../../src/queue/claim-job.ts";
import { finishJob } from "../../src/queue/finish-job.ts";
import { openStore } from "../../src/store/database.ts";

// One claimer with a connection of its own, as a worker process would
// have, for claim-across-stores.test.ts. It claims until every job was
// claimed, counting what it holds in memory shared with the other
// claimers, and answers the ids it took.

export interface ClaimerData {
  dataDir: string;
  databaseUrl: string | undefined;
  workerId: string;
  projects: number[];
  totalJobs: number;
  limit: number;
  now: string;
  /** Per project k: [3k] held now, [3k+1] most held, [3k+2] most seen
   * running in the table; then the start signal (1: go) and the count
   * of claimed jobs. */
  tally: SharedArrayBuffer;
}

const LEASE_MS = 10 * 60_000;
/** How long a claimer holds a job waiting for the project to fill up. */
const FILL_WAIT_MS = 300;
/** How long it holds a job once the project is full. */
const FULL_HOLD_MS = 25;

if (!parentPort) throw new Error("claimer-thread runs in a worker thread");
const port = parentPort;
const data = workerData as ClaimerData;
const tally = new Int32Array(data.tally);
const startCell = tally.length - 2;
const claimedCell = tally.length - 1;
const store = await openStore({
  dataDir: data.dataDir,
  databaseUrl: data.databaseUrl,
  databasePoolSize: 2,
});
const now = new Date(data.now);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function raiseTo(cell: number, value: number): void {
  for (;;) {
    const seen = Atomics.load(tally, cell);
    if (value <= seen) return;
    if (Atomics.compareExchange(tally, cell, seen, value) === seen) return;
  }
}

async function runningInTable(projectId: number): Promise<number> {
  const row = await store.db
    .selectFrom("jobs")
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .where("project_id", "=", projectId)
    .where("status", "=", "running")
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

// Every claimer starts at once, when the test says so.
port.postMessage("ready");
Atomics.wait(tally, startCell, 0);

const claimed: number[] = [];
while (Atomics.load(tally, claimedCell) < data.totalJobs) {
  const job = await claimJob(store.db, {
    workerId: data.workerId,
    now,
    leaseMs: LEASE_MS,
    projectConcurrency: data.limit,
    dialect: store.dialect,
  });
  if (!job) {
    await pause(2);
    continue;
  }
  claimed.push(job.id);
  Atomics.add(tally, claimedCell, 1);
  const base = 3 * data.projects.indexOf(job.projectId);
  // Raised after the claim committed, lowered before the job finishes:
  // never more than the table holds running.
  raiseTo(base + 1, Atomics.add(tally, base, 1) + 1);
  raiseTo(base + 2, await runningInTable(job.projectId));

  // Hold the job until the project is full (or a while has passed), and
  // a moment longer, while the other claimers try to take more.
  const until = Date.now() + FILL_WAIT_MS;
  while (Atomics.load(tally, base) < data.limit && Date.now() < until) {
    await pause(2);
  }
  await pause(FULL_HOLD_MS);
  Atomics.sub(tally, base, 1);
  await finishJob(store.db, job, "done", now);
}
await store.close();
port.postMessage(claimed);
