import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import type { App } from "../../app.ts";
import { RUN_STATUSES } from "../../runs/run-status.ts";
import { migrationsApplied } from "../../store/database.ts";
import { type CountValue, countValue } from "../../store/dialect.ts";

/** /-/liveness, /-/readiness and /-/metrics, served by every role. */
export function healthRoutes(app: App) {
  return async (server: FastifyInstance) => {
    server.get("/-/liveness", async () => ({ status: "ok" }));

    server.get("/-/readiness", async (_request, reply) => {
      try {
        await sql`select 1`.execute(app.store.db);
        if (!(await migrationsApplied(app.store))) {
          return reply
            .code(503)
            .send({ status: "failed", database: "migrations pending" });
        }
        return { status: "ok", database: "ok" };
      } catch (error) {
        app.logger.warn({ err: error }, "readiness check failed");
        return reply
          .code(503)
          .send({ status: "failed", database: "unreachable" });
      }
    });

    server.get("/-/metrics", async (_request, reply) => {
      await refreshGauges(app);
      return reply
        .header("content-type", app.metrics.registry.contentType)
        .send(await app.metrics.registry.metrics());
    });
  };
}

/** Runs by status and queue depth are read from the database, so every
 * process reports the whole deployment's figures. Every known status is
 * reported, 0 included: an empty queue is a reading, not a missing series. */
async function refreshGauges(app: App): Promise<void> {
  const db = app.store.db;
  const runs = await db
    .selectFrom("runs")
    .select(["status", (eb) => eb.fn.countAll<CountValue>().as("count")])
    .groupBy("status")
    .execute();
  app.metrics.runs.reset();
  for (const status of RUN_STATUSES) app.metrics.runs.set({ status }, 0);
  for (const row of runs)
    app.metrics.runs.set({ status: row.status }, countValue(row.count));

  const jobs = await db
    .selectFrom("jobs")
    .select(["status", (eb) => eb.fn.countAll<CountValue>().as("count")])
    .where("status", "in", ["pending", "running"])
    .groupBy("status")
    .execute();
  app.metrics.queueDepth.reset();
  for (const state of ["pending", "running"]) {
    app.metrics.queueDepth.set({ state }, 0);
  }
  for (const row of jobs) {
    app.metrics.queueDepth.set({ state: row.status }, countValue(row.count));
  }
}
