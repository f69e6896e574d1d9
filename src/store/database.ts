import path from "node:path";
import { Kysely, type Migration, Migrator } from "kysely";
import { type DialectName, openSqlite } from "./dialect.ts";
import { initial } from "./migrations/001-initial.ts";
import { agent } from "./migrations/004-agent.ts";
import type { Database } from "./schema.ts";

export type Db = Kysely<Database>;

export interface Store {
  db: Db;
  dialect: DialectName;
  close(): Promise<void>;
}

export interface StoreOptions {
  dataDir: string;
  databaseUrl: string | undefined;
}

/** Numbered, forward-only: a migration once released is never edited. */
function migrations(dialect: DialectName): Record<string, Migration> {
  return {
    "001-initial": initial(dialect),
    "004-agent": agent(dialect),
  };
}

/** Opens the database and applies pending migrations before returning. */
export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.databaseUrl) {
    throw new Error(
      "FLOWGATE_DATABASE_URL is set, but this build stores only in SQLite; " +
        "unset it to use <data>/flowgate.sqlite",
    );
  }
  const opened = openSqlite(sqliteFile(options.dataDir));
  const db = new Kysely<Database>({ dialect: opened.dialect });

  const { error } = await migratorFor(db, opened.name).migrateToLatest();
  if (error) {
    await db.destroy();
    throw new Error("database migration failed", { cause: error });
  }

  return {
    db,
    dialect: opened.name,
    close: () => db.destroy(),
  };
}

/** True when every known migration has been applied (readiness). */
export async function migrationsApplied(store: Store): Promise<boolean> {
  const known = await migratorFor(store.db, store.dialect).getMigrations();
  return known.every((migration) => migration.executedAt !== undefined);
}

function migratorFor(db: Db, dialect: DialectName): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations(dialect) },
    migrationTableName: "flowgate_migrations",
    migrationLockTableName: "flowgate_migrations_lock",
  });
}

/** Where the SQLite database of a data directory lives. */
export function sqliteFile(dataDir: string): string {
  return path.join(dataDir, "flowgate.sqlite");
}
