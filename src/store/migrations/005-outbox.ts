import type { Kysely, Migration } from "kysely";
import { type DialectName, idColumn } from "../dialect.ts";

/**
 * Reporting back (issue 6): the outbox of messages to external systems,
 * each written with the run change that causes it, and what earlier
 * messages of a run left for later ones (the tracking comment's id).
 */
export function outbox(dialect: DialectName): Migration {
  const id = idColumn(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("outbox_messages")
        .addColumn("id", "integer", id)
        .addColumn("run_id", "integer", (c) =>
          c.notNull().references("runs.id").onDelete("cascade"),
        )
        .addColumn("project_id", "integer", (c) => c.notNull())
        .addColumn("trigger_id", "integer")
        .addColumn("event", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("report", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("next_attempt_at", "text", (c) => c.notNull())
        .addColumn("give_up_at", "text", (c) => c.notNull())
        .addColumn("locked_by", "text")
        .addColumn("locked_until", "text")
        .addColumn("last_error", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .addColumn("delivered_at", "text")
        .execute();
      // The dispatcher's scan: pending messages by due time.
      await db.schema
        .createIndex("outbox_messages_due")
        .on("outbox_messages")
        .columns(["status", "next_attempt_at"])
        .execute();
      await db.schema
        .createIndex("outbox_messages_by_run")
        .on("outbox_messages")
        .columns(["run_id", "id"])
        .execute();

      await db.schema
        .alterTable("runs")
        .addColumn("sync_state", "text", (c) => c.notNull().defaultTo("{}"))
        .execute();
    },
  };
}
