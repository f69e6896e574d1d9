import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { migrationsApplied, openStore } from "../../src/store/database.ts";
import { STATEMENT_TIMEOUT_MS } from "../../src/store/dialect.ts";
import {
  createTestDatabase,
  type TestDatabase,
  unavailable,
} from "../helpers/postgres.ts";

// Processes that start beside one applying a long migration wait for the
// migration lock instead of exiting: the wait is not bound by the
// statement timeout that every request's statement has.

// The session-level advisory lock Kysely's PostgreSQL migrator takes.
const KYSELY_MIGRATION_LOCK = "3853314791062309107";
const LONGER_THAN_A_STATEMENT_MS = STATEMENT_TIMEOUT_MS + 2_000;

describe.skipIf(unavailable("postgres"))("migrating on PostgreSQL", () => {
  let database: TestDatabase;
  let dataDir: string;
  beforeEach(async () => {
    database = await createTestDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-migrate-"));
  });
  afterEach(async () => {
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("waits for another process's migration longer than a statement may run", {
    timeout: LONGER_THAN_A_STATEMENT_MS + 30_000,
  }, async () => {
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      await other.query(`select pg_advisory_lock(${KYSELY_MIGRATION_LOCK})`);
      let settled = false;
      const opening = openStore({ dataDir, databaseUrl: database.url });
      void opening.then(
        () => {
          settled = true;
        },
        () => {
          settled = true;
        },
      );

      await new Promise((resolve) =>
        setTimeout(resolve, LONGER_THAN_A_STATEMENT_MS),
      );
      expect(settled).toBe(false);
      await other.query(`select pg_advisory_unlock(${KYSELY_MIGRATION_LOCK})`);

      const store = await opening;
      try {
        expect(await migrationsApplied(store)).toBe(true);
      } finally {
        await store.close();
      }
    } finally {
      await other.end();
    }
  });
});
