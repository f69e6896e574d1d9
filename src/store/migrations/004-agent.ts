import type { Kysely, Migration } from "kysely";
import { type DialectName, idColumn } from "../dialect.ts";

/**
 * The built-in agent: per-trigger model and workflow settings, labels on
 * merge requests, and the transcript of every model and tool call.
 */
export function agent(dialect: DialectName): Migration {
  const id = idColumn(dialect);
  return {
    async up(db: Kysely<unknown>) {
      // One column per setting, so that a trigger without any keeps
      // working unchanged. The model's key is sealed like the others.
      await db.schema
        .alterTable("triggers")
        .addColumn("model", "text")
        .execute();
      await db.schema
        .alterTable("triggers")
        .addColumn("model_api_key", "text")
        .execute();
      await db.schema
        .alterTable("triggers")
        .addColumn("allowed_commands", "text", (c) =>
          c.notNull().defaultTo("[]"),
        )
        .execute();
      await db.schema
        .alterTable("triggers")
        .addColumn("budgets", "text", (c) => c.notNull().defaultTo("{}"))
        .execute();
      await db.schema
        .alterTable("triggers")
        .addColumn("workflows", "text", (c) => c.notNull().defaultTo("{}"))
        .execute();

      await db.schema
        .alterTable("merge_requests")
        .addColumn("labels", "text", (c) => c.notNull().defaultTo("[]"))
        .execute();

      await db.schema
        .createTable("run_transcript_entries")
        .addColumn("id", "integer", id)
        .addColumn("run_id", "integer", (c) =>
          c.notNull().references("runs.id").onDelete("cascade"),
        )
        .addColumn("attempt", "integer", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("at", "text", (c) => c.notNull())
        .addColumn("duration_ms", "integer")
        .addColumn("details", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("run_transcript_entries_by_run")
        .on("run_transcript_entries")
        .columns(["run_id", "id"])
        .execute();
    },
  };
}
