import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RowsStatement } from "../../src/store/rows-statement.ts";
import { DATABASES, unavailable } from "../helpers/postgres.ts";
import { openStoreFixture, type StoreFixture } from "../runs/store-fixture.ts";

// The statement behind every group-commit insert: one compiled text per
// row count, on each database, with the rows' values in their order.

const settings = new RowsStatement<{ name: string; value: string }>(
  3,
  (values) => sql`
    insert into settings (name, value, created_at)
    values ${values}
    returning name, value`,
);

describe.each(DATABASES)("%s", (database) => {
  describe.skipIf(unavailable(database))("a rows statement", () => {
    let fixture: StoreFixture;
    beforeEach(async () => {
      fixture = await openStoreFixture(database);
    });
    afterEach(async () => {
      await fixture.close();
    });

    it("inserts every row with its own values, whatever the row count", async () => {
      const at = "2025-01-01T00:00:00.000Z";
      const first = await settings.execute(fixture.store.db, [
        ["a", "1", at],
        ["b", "2", at],
      ]);
      const second = await settings.execute(fixture.store.db, [["c", "3", at]]);
      const third = await settings.execute(fixture.store.db, [
        ["d", "4", at],
        ["e", "5", at],
      ]);

      expect(first.rows).toEqual([
        { name: "a", value: "1" },
        { name: "b", value: "2" },
      ]);
      expect(second.rows).toEqual([{ name: "c", value: "3" }]);
      expect(third.rows).toEqual([
        { name: "d", value: "4" },
        { name: "e", value: "5" },
      ]);
      const stored = await fixture.store.db
        .selectFrom("settings")
        .select(["name", "value"])
        .where("name", "in", ["a", "b", "c", "d", "e"])
        .orderBy("name")
        .execute();
      expect(stored.map((row) => `${row.name}=${row.value}`)).toEqual([
        "a=1",
        "b=2",
        "c=3",
        "d=4",
        "e=5",
      ]);
    });

    it("refuses a row whose width differs from the statement's and writes nothing", async () => {
      await expect(
        settings.execute(fixture.store.db, [
          ["f", "6", "2025-01-01T00:00:00.000Z"],
          ["g", "7"],
        ]),
      ).rejects.toThrow("a row of 2 values for a statement of 3");
      const stored = await fixture.store.db
        .selectFrom("settings")
        .select("name")
        .where("name", "in", ["f", "g"])
        .execute();
      expect(stored).toEqual([]);
    });
  });
});

describe("a rows statement's template", () => {
  it("is refused when it holds parameters of its own, which would shift the rows' values", async () => {
    const fixture = await openStoreFixture("sqlite");
    try {
      const shifted = new RowsStatement(
        3,
        (values) => sql`
          insert into settings (name, value, created_at)
          select * from (values ${values}) where ${1} = 1`,
      );
      await expect(
        shifted.execute(fixture.store.db, [["h", "8", "now"]]),
      ).rejects.toThrow("a rows statement's template holds parameters");
    } finally {
      await fixture.close();
    }
  });
});
