import type { Kysely, Migration } from "kysely";

/**
 * The run's merge request's own address. On the local forge it can be
 * built from the public URL; on GitLab only the forge knows it, and the
 * run view and the reports to the ticket must link GitLab's page.
 */
export function runMergeRequestUrl(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable("runs")
        .addColumn("merge_request_web_url", "text")
        .execute();
    },
  };
}
