import { type Kysely, type Migration, sql } from "kysely";
import type { UniqueIndex } from "../dialect.ts";

/**
 * The unique index that holds deduplication across processes: one
 * delivery per trigger and delivery key may be the first of its key (the
 * one that started or joined a run). Its repeats are stored too, with
 * the same key, as duplicates; refusals have no key.
 */
export const FIRST_DELIVERY_OF_KEY: UniqueIndex = {
  name: "deliveries_first_by_key",
  table: "deliveries",
  columns: ["trigger_id", "delivery_key"],
};

/**
 * Deduplication decided by the database, not by a lookup that another
 * process may overtake: `first_of_key` marks the first delivery of each
 * key, and a partial unique index allows one such delivery per trigger
 * and key. It replaces the plain index of migration 001, which served
 * only the lookup the new one serves now.
 */
export function firstDeliveryOfKey(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable("deliveries")
        .addColumn("first_of_key", "integer", (c) => c.notNull().defaultTo(0))
        .execute();

      // Before this index, two processes could each record a delivery as
      // the first of its key; the earlier one keeps the mark.
      await sql`
        update deliveries set first_of_key = 1
        where id in (
          select min(id) from deliveries
          where delivery_key is not null and trigger_id is not null
            and run_id is not null
          group by trigger_id, delivery_key)`.execute(db);

      await db.schema.dropIndex("deliveries_by_key").execute();
      await db.schema
        .createIndex(FIRST_DELIVERY_OF_KEY.name)
        .on(FIRST_DELIVERY_OF_KEY.table)
        .columns([...FIRST_DELIVERY_OF_KEY.columns])
        .unique()
        .where(sql.ref("first_of_key"), "=", 1)
        .execute();
    },
  };
}
