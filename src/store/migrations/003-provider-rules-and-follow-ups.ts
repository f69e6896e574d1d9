import type { Kysely, Migration } from "kysely";
import { type DialectName, idColumn } from "../dialect.ts";

/**
 * What the provider sources need: per-trigger rule settings, a run's
 * change summary (the next run on the same merge request continues from
 * it) and the follow-up instructions that comments give a run.
 */
export function providerRulesAndFollowUps(dialect: DialectName): Migration {
  const id = idColumn(dialect);
  return {
    async up(db: Kysely<unknown>) {
      // One statement per column: SQLite adds one column per ALTER TABLE.
      await db.schema
        .alterTable("triggers")
        .addColumn("bot_identity", "text")
        .execute();
      await db.schema
        .alterTable("triggers")
        .addColumn("start_status", "text")
        .execute();
      await db.schema
        .alterTable("triggers")
        .addColumn("acceptance_criteria_field", "text")
        .execute();

      await db.schema.alterTable("runs").addColumn("summary", "text").execute();

      await db.schema
        .createTable("run_follow_ups")
        .addColumn("id", "integer", id)
        .addColumn("run_id", "integer", (c) =>
          c.notNull().references("runs.id").onDelete("cascade"),
        )
        .addColumn("instruction", "text", (c) => c.notNull())
        .addColumn("author", "text")
        .addColumn("delivery_key", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        // Set when an executor was given the instruction.
        .addColumn("consumed_at", "text")
        .execute();
      await db.schema
        .createIndex("run_follow_ups_by_run")
        .on("run_follow_ups")
        .columns(["run_id", "id"])
        .execute();
    },
  };
}
