import type { Kysely, Migration } from "kysely";

/**
 * The dashboard's sign-in sessions (issue 8). A session is known by the
 * SHA-256 of its id, so the table alone lets nobody in; a GitLab
 * session keeps its user's token sealed under the instance key, because
 * every request asks GitLab again what that user may do.
 */
export function dashboardSessions(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("dashboard_sessions")
        .addColumn("id_hash", "text", (c) => c.primaryKey().notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("principal_name", "text", (c) => c.notNull())
        .addColumn("principal_id", "integer")
        .addColumn("gitlab_token", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .execute();
      // Sign-in deletes the expired sessions.
      await db.schema
        .createIndex("dashboard_sessions_expiry")
        .on("dashboard_sessions")
        .column("expires_at")
        .execute();
    },
  };
}
