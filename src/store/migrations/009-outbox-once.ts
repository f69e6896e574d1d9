import type { Kysely, Migration } from "kysely";

/**
 * Each run event's messages once per round of the run (issue 6): a
 * job's retry moved the run back to queued and its next attempt wrote
 * `started` (and `merge_request_opened`) again, so callbacks saw a
 * second `run.started` and comments went back to "on it". `round`
 * counts the admin's retries of the run, which do tell the ticket
 * again. Rows written before it keep a null round, which the unique
 * index never compares equal.
 */
export function outboxOnce(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable("outbox_messages")
        .addColumn("round", "integer")
        .execute();
      await db.schema
        .createIndex("outbox_messages_once")
        .on("outbox_messages")
        .columns(["run_id", "round", "event", "action"])
        .unique()
        .execute();
    },
  };
}
