import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Kysely, type Migration, Migrator, sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type DialectName,
  openPostgres,
  openSqlite,
} from "../../src/store/dialect.ts";
import { initial } from "../../src/store/migrations/001-initial.ts";
import { sharedState } from "../../src/store/migrations/002-shared-state.ts";
import { providerRulesAndFollowUps } from "../../src/store/migrations/003-provider-rules-and-follow-ups.ts";
import { agent } from "../../src/store/migrations/004-agent.ts";
import { outbox } from "../../src/store/migrations/005-outbox.ts";
import { runMergeRequestUrl } from "../../src/store/migrations/006-run-merge-request-url.ts";
import { forgeEvents } from "../../src/store/migrations/007-forge-events.ts";
import { firstDeliveryOfKey } from "../../src/store/migrations/008-first-delivery-of-key.ts";
import type { Database } from "../../src/store/schema.ts";
import {
  createTestDatabase,
  DATABASES,
  type TestDatabase,
  unavailable,
} from "../helpers/postgres.ts";

// Upgrading a database that holds deliveries to migration 008: the
// earliest delivery of each trigger and key becomes its first, also
// where the race 008 closes had left two deliveries of one key each
// recorded as joining the run, so the unique index can be built.

const AT = "2025-03-04T05:06:07.000Z";

function migrationsUpTo(
  dialect: DialectName,
  last: "007" | "008",
): Record<string, Migration> {
  return {
    "001-initial": initial(dialect),
    "002-shared-state": sharedState(dialect),
    "003-provider-rules-and-follow-ups": providerRulesAndFollowUps(dialect),
    "004-agent": agent(dialect),
    "005-outbox": outbox(dialect),
    "006-run-merge-request-url": runMergeRequestUrl(),
    "007-forge-events": forgeEvents(dialect),
    ...(last === "008"
      ? { "008-first-delivery-of-key": firstDeliveryOfKey() }
      : {}),
  };
}

async function migrate(
  db: Kysely<Database>,
  dialect: DialectName,
  last: "007" | "008",
): Promise<void> {
  const { error } = await new Migrator({
    db,
    provider: { getMigrations: async () => migrationsUpTo(dialect, last) },
    migrationTableName: "flowgate_migrations",
    migrationLockTableName: "flowgate_migrations_lock",
  }).migrateToLatest();
  if (error) throw error;
}

describe.each(DATABASES)("%s", (dialect) => {
  describe.skipIf(unavailable(dialect))("upgrading to migration 008", () => {
    let db: Kysely<Database>;
    let dataDir: string;
    let database: TestDatabase | undefined;
    beforeEach(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-upgrade-"));
      database =
        dialect === "postgres" ? await createTestDatabase() : undefined;
      const opened = database
        ? openPostgres(database.url, { maxConnections: 2 }, () => {})
        : openSqlite(path.join(dataDir, "flowgate.sqlite"));
      db = new Kysely<Database>({ dialect: opened.dialect });
    });
    afterEach(async () => {
      await db.destroy();
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it("marks the earliest delivery of each key as its first", async () => {
      await migrate(db, dialect, "007");
      await sql`
        insert into projects (path, default_branch, forge_type,
          forge_config, created_at)
        values ('acme/shop', 'main', 'local', '{}', ${AT})`.execute(db);
      await sql`
        insert into triggers (project_id, source, name, workflow_types,
          default_workflow_type, auth, rate_limit, rate_window_s,
          branch_template, executor, enabled, token_hash, signing_secret,
          sync, created_at, updated_at)
        values (1, 'generic', 't', '["developer"]', 'developer',
          'signature', 600, 60, 'ai/{external_reference}', 'agent', 1,
          'hash', 'sealed', '{}', ${AT}, ${AT})`.execute(db);
      await sql`
        insert into runs (project_id, trigger_id, workflow_type, executor,
          external_system, external_reference, title, description, context,
          status, received_at, verified_at, admission, created_at)
        values (1, 1, 'developer', 'agent', 'generic', 'PROJ-1', 'T', '',
          '{}', 'queued', ${AT}, ${AT}, '{}', ${AT})`.execute(db);
      const rows: Array<[string | null, string, number | null]> = [
        ["id:a", "accepted", 1],
        ["id:a", "duplicate", 1],
        // Two copies of one delivery that each joined the run: the race.
        ["id:b", "duplicate", 1],
        ["id:b", "duplicate", 1],
        [null, "refused", null],
        [null, "refused", null],
      ];
      for (const [key, outcome, runId] of rows) {
        await sql`
          insert into deliveries (project_id, trigger_id, delivery_key,
            outcome, status_code, run_id, headers, received_at)
          values (1, 1, ${key}, ${outcome}, 200, ${runId}, '{}', ${AT})`.execute(
          db,
        );
      }

      await migrate(db, dialect, "008");

      const marked = await db
        .selectFrom("deliveries")
        .select(["id", "first_of_key"])
        .orderBy("id")
        .execute();
      expect(marked.map((row) => row.first_of_key)).toEqual([1, 0, 1, 0, 0, 0]);
    });
  });
});
