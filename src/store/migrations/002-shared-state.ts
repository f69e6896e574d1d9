import type { Kysely, Migration } from "kysely";
import { createJobNotification, type DialectName } from "../dialect.ts";

/**
 * What processes sharing one database must agree on: instance settings
 * (the secret key's check value), per-trigger rate-limit counters, and a
 * notification when a job is queued.
 */
export function sharedState(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("settings")
        .addColumn("name", "text", (c) => c.primaryKey().notNull())
        .addColumn("value", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();

      // The shape rate-limiter-flexible's PostgreSQL store expects. Only
      // PostgreSQL deployments count here: one SQLite process keeps its
      // counters in memory.
      await db.schema
        .createTable("rate_limits")
        .addColumn("key", "varchar(255)", (c) => c.primaryKey().notNull())
        .addColumn("points", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("expire", "bigint")
        .execute();

      await createJobNotification(db, dialect);
    },
  };
}
