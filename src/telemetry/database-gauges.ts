import type { Logger } from "pino";
import { RUN_STATUSES } from "../runs/run-status.ts";
import type { Db } from "../store/database.ts";
import { type CountValue, countValue } from "../store/dialect.ts";
import type { Metrics } from "./metrics.ts";

const JOB_STATES = ["pending", "running"] as const;

interface Counts {
  runs: Array<{ status: string; count: CountValue }>;
  jobs: Array<{ status: string; count: CountValue }>;
}

/**
 * Sets the gauges read from the database at scrape time: runs by status
 * and the queue depth, the whole deployment's figures whichever process
 * is scraped. Every known status is reported, 0 included: an empty queue
 * is a reading, not a missing series.
 *
 * When the database cannot be read (an outage, a closed store), the
 * scrape still answers with this process's own metrics: these gauges
 * are left out rather than reported stale or as zeros, and
 * `flowgate_database_up` is 0.
 */
export async function refreshDatabaseGauges(
  db: Db,
  metrics: Metrics,
  logger: Logger,
): Promise<void> {
  metrics.runs.reset();
  metrics.queueDepth.reset();
  let counts: Counts;
  try {
    counts = await readCounts(db);
  } catch (error) {
    metrics.databaseUp.set(0);
    logger.warn(
      { err: error },
      "metrics scrape could not read the database; its gauges are left out",
    );
    return;
  }

  metrics.databaseUp.set(1);
  for (const status of RUN_STATUSES) metrics.runs.set({ status }, 0);
  for (const row of counts.runs) {
    metrics.runs.set({ status: row.status }, countValue(row.count));
  }
  for (const state of JOB_STATES) metrics.queueDepth.set({ state }, 0);
  for (const row of counts.jobs) {
    metrics.queueDepth.set({ state: row.status }, countValue(row.count));
  }
}

async function readCounts(db: Db): Promise<Counts> {
  const runs = await db
    .selectFrom("runs")
    .select(["status", (eb) => eb.fn.countAll<CountValue>().as("count")])
    .groupBy("status")
    .execute();
  const jobs = await db
    .selectFrom("jobs")
    .select(["status", (eb) => eb.fn.countAll<CountValue>().as("count")])
    .where("status", "in", [...JOB_STATES])
    .groupBy("status")
    .execute();
  return { runs, jobs };
}
