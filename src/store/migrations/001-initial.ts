import { type Kysely, type Migration, sql } from "kysely";
import { type DialectName, idColumn } from "../dialect.ts";

/** Projects, triggers, deliveries, runs, the job queue, audit, forge. */
export function initial(dialect: DialectName): Migration {
  const id = idColumn(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("projects")
        .addColumn("id", "integer", id)
        .addColumn("path", "text", (c) => c.notNull().unique())
        .addColumn("default_branch", "text", (c) => c.notNull())
        .addColumn("forge_type", "text", (c) => c.notNull())
        .addColumn("forge_config", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("triggers")
        .addColumn("id", "integer", id)
        .addColumn("project_id", "integer", (c) =>
          c.notNull().references("projects.id").onDelete("cascade"),
        )
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("workflow_types", "text", (c) => c.notNull())
        .addColumn("default_workflow_type", "text", (c) => c.notNull())
        .addColumn("auth", "text", (c) => c.notNull())
        .addColumn("rate_limit", "integer", (c) => c.notNull())
        .addColumn("rate_window_s", "integer", (c) => c.notNull())
        .addColumn("branch_template", "text", (c) => c.notNull())
        .addColumn("executor", "text", (c) => c.notNull())
        .addColumn("label", "text")
        .addColumn("mention", "text")
        .addColumn("enabled", "integer", (c) => c.notNull())
        .addColumn("token_hash", "text", (c) => c.notNull().unique())
        .addColumn("signing_secret", "text", (c) => c.notNull())
        .addColumn("previous_token_hash", "text")
        .addColumn("previous_signing_secret", "text")
        .addColumn("previous_expires_at", "text")
        .addColumn("credentials", "text")
        .addColumn("sync", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("triggers_previous_token_hash")
        .on("triggers")
        .column("previous_token_hash")
        .execute();

      await db.schema
        .createTable("runs")
        .addColumn("id", "integer", id)
        .addColumn("project_id", "integer", (c) =>
          c.notNull().references("projects.id").onDelete("cascade"),
        )
        .addColumn("trigger_id", "integer", (c) =>
          c.references("triggers.id").onDelete("set null"),
        )
        .addColumn("workflow_type", "text", (c) => c.notNull())
        .addColumn("executor", "text", (c) => c.notNull())
        .addColumn("external_system", "text", (c) => c.notNull())
        .addColumn("external_reference", "text", (c) => c.notNull())
        .addColumn("external_url", "text")
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("description", "text", (c) => c.notNull())
        .addColumn("context", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("branch", "text")
        .addColumn("merge_request_iid", "integer")
        .addColumn("error", "text")
        .addColumn("received_at", "text", (c) => c.notNull())
        .addColumn("verified_at", "text", (c) => c.notNull())
        // How the delivery that made the run came in: {source, auth}.
        .addColumn("admission", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("started_at", "text")
        .addColumn("finished_at", "text")
        .execute();
      // The database, not process memory, holds "one active run per ticket".
      await db.schema
        .createIndex("runs_one_active_per_ticket")
        .on("runs")
        .columns(["project_id", "external_reference"])
        .unique()
        .where(sql.ref("status"), "in", sql`('queued', 'running')`)
        .execute();
      await db.schema
        .createIndex("runs_by_project")
        .on("runs")
        .columns(["project_id", "id"])
        .execute();
      await db.schema
        .createIndex("runs_by_reference")
        .on("runs")
        .columns(["project_id", "external_reference", "id"])
        .execute();

      await db.schema
        .createTable("run_events")
        .addColumn("id", "integer", id)
        .addColumn("run_id", "integer", (c) =>
          c.notNull().references("runs.id").onDelete("cascade"),
        )
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("at", "text", (c) => c.notNull())
        .addColumn("duration_ms", "integer")
        .addColumn("details", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("run_events_by_run")
        .on("run_events")
        .columns(["run_id", "id"])
        .execute();

      await db.schema
        .createTable("deliveries")
        .addColumn("id", "integer", id)
        .addColumn("project_id", "integer", (c) =>
          c.notNull().references("projects.id").onDelete("cascade"),
        )
        .addColumn("trigger_id", "integer", (c) =>
          c.references("triggers.id").onDelete("set null"),
        )
        .addColumn("delivery_key", "text")
        .addColumn("outcome", "text", (c) => c.notNull())
        .addColumn("status_code", "integer", (c) => c.notNull())
        .addColumn("reason", "text")
        .addColumn("run_id", "integer", (c) =>
          c.references("runs.id").onDelete("set null"),
        )
        .addColumn("source_ip", "text")
        .addColumn("headers", "text", (c) => c.notNull())
        .addColumn("body", "text")
        .addColumn("received_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("deliveries_by_project")
        .on("deliveries")
        .columns(["project_id", "id"])
        .execute();

      // Deduplication: a provider's delivery id, per trigger, finds the run
      // an earlier delivery with that id started or joined.
      await db.schema
        .createIndex("deliveries_by_key")
        .on("deliveries")
        .columns(["trigger_id", "delivery_key"])
        .execute();

      await db.schema
        .createTable("jobs")
        .addColumn("id", "integer", id)
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("run_id", "integer", (c) =>
          c.notNull().references("runs.id").onDelete("cascade"),
        )
        .addColumn("project_id", "integer", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull())
        .addColumn("max_attempts", "integer", (c) => c.notNull())
        .addColumn("run_at", "text", (c) => c.notNull())
        .addColumn("locked_by", "text")
        .addColumn("locked_until", "text")
        .addColumn("last_error", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("jobs_ready")
        .on("jobs")
        .columns(["status", "run_at"])
        .execute();

      await db.schema
        .createTable("audit_events")
        .addColumn("id", "integer", id)
        .addColumn("author_id", "integer", (c) => c.notNull())
        .addColumn("author_name", "text", (c) => c.notNull())
        .addColumn("entity_type", "text", (c) => c.notNull())
        .addColumn("entity_id", "integer", (c) => c.notNull())
        .addColumn("entity_path", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("target_type", "text")
        .addColumn("target_id", "integer")
        .addColumn("target_details", "text")
        .addColumn("ip_address", "text")
        .addColumn("details", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("audit_events_by_entity")
        .on("audit_events")
        .columns(["entity_type", "entity_id", "id"])
        .execute();

      await db.schema
        .createTable("merge_requests")
        .addColumn("id", "integer", id)
        .addColumn("project_id", "integer", (c) =>
          c.notNull().references("projects.id").onDelete("cascade"),
        )
        .addColumn("iid", "integer", (c) => c.notNull())
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("description", "text", (c) => c.notNull())
        .addColumn("source_branch", "text", (c) => c.notNull())
        .addColumn("target_branch", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("draft", "integer", (c) => c.notNull())
        .addColumn("external_reference", "text")
        .addColumn("run_id", "integer")
        .addColumn("merge_commit_sha", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .addColumn("merged_at", "text")
        .addUniqueConstraint("merge_requests_iid", ["project_id", "iid"])
        .execute();
      // The forge, like GitLab, keeps one open merge request per branch.
      await db.schema
        .createIndex("merge_requests_one_open_per_branch")
        .on("merge_requests")
        .columns(["project_id", "source_branch"])
        .unique()
        .where(sql.ref("state"), "=", "opened")
        .execute();
    },
  };
}
