import type { Kysely, Migration } from "kysely";
import { type DialectName, idColumn } from "../dialect.ts";

/**
 * Events a forge sent about a project (GitLab's merge request webhook,
 * issue 7), one row per event Flowgate acted on. The unique key makes a
 * repeated event (a retry by GitLab, with the same key) a no-op, also when
 * both copies arrive at once.
 */
export function forgeEvents(dialect: DialectName): Migration {
  const id = idColumn(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("forge_events")
        .addColumn("id", "integer", id)
        .addColumn("project_id", "integer", (c) =>
          c.notNull().references("projects.id").onDelete("cascade"),
        )
        .addColumn("event_key", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("merge_request_iid", "integer")
        .addColumn("run_id", "integer", (c) =>
          c.references("runs.id").onDelete("set null"),
        )
        .addColumn("received_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("forge_events_by_key")
        .on("forge_events")
        .columns(["project_id", "event_key"])
        .unique()
        .execute();
    },
  };
}
