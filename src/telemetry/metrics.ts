import { Counter, Gauge, Histogram, Registry } from "prom-client";

// Buckets in seconds, from a fast acknowledgement to the 2 s start promise.
const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5,
];

/** Every metric Flowgate exports, in one registry per process. */
export class Metrics {
  readonly registry = new Registry();

  readonly deliveries = new Counter({
    name: "flowgate_deliveries_total",
    help: "Inbound deliveries by outcome (accepted, duplicate, ignored, refused) and status code",
    labelNames: ["outcome", "status"] as const,
    registers: [this.registry],
  });

  readonly acknowledgementSeconds = new Histogram({
    name: "flowgate_delivery_ack_seconds",
    help: "Time from receiving a delivery to writing its answer",
    labelNames: ["outcome"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly receiptToStartSeconds = new Histogram({
    name: "flowgate_run_start_latency_seconds",
    help: "Time from receiving a delivery to its run starting on a worker",
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly runsFinished = new Counter({
    name: "flowgate_runs_finished_total",
    help: "Runs that reached a final status in this process",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });

  readonly runs = new Gauge({
    name: "flowgate_runs",
    help: "Runs by status, read from the database at scrape time",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: "flowgate_queue_depth",
    help: "Jobs by state, read from the database at scrape time",
    labelNames: ["state"] as const,
    registers: [this.registry],
  });

  readonly databaseUp = new Gauge({
    name: "flowgate_database_up",
    help: "1 when this scrape read the database; 0 when it could not, and flowgate_runs and flowgate_queue_depth are left out",
    registers: [this.registry],
  });
}
