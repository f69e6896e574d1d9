import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import type { App } from "../../app.ts";
import { migrationsApplied } from "../../store/database.ts";
import { refreshDatabaseGauges } from "../../telemetry/database-gauges.ts";

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
      await refreshDatabaseGauges(app.store.db, app.metrics, app.logger);
      return reply
        .header("content-type", app.metrics.registry.contentType)
        .send(await app.metrics.registry.metrics());
    });
  };
}
