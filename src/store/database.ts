import path from "node:path";
import { Kysely, type Migration, Migrator, sql } from "kysely";
import type pg from "pg";
import {
  type DialectName,
  type OpenedDialect,
  openPostgres,
  openPostgresForMigrations,
  openSqlite,
} from "./dialect.ts";
import { initial } from "./migrations/001-initial.ts";
import { sharedState } from "./migrations/002-shared-state.ts";
import { providerRulesAndFollowUps } from "./migrations/003-provider-rules-and-follow-ups.ts";
import { agent } from "./migrations/004-agent.ts";
import { outbox } from "./migrations/005-outbox.ts";
import { runMergeRequestUrl } from "./migrations/006-run-merge-request-url.ts";
import { forgeEvents } from "./migrations/007-forge-events.ts";
import { firstDeliveryOfKey } from "./migrations/008-first-delivery-of-key.ts";
import { outboxOnce } from "./migrations/009-outbox-once.ts";
import { dashboardSessions } from "./migrations/010-dashboard-sessions.ts";
import type { Database } from "./schema.ts";

export type Db = Kysely<Database>;

export interface Store {
  db: Db;
  dialect: DialectName;
  /** Set on PostgreSQL: the pool under `db`. */
  pool: pg.Pool | undefined;
  close(): Promise<void>;
}

export interface StoreOptions {
  dataDir: string;
  databaseUrl: string | undefined;
  /** Connections one process may hold on PostgreSQL. */
  databasePoolSize?: number;
}

const DEFAULT_POOL_SIZE = 10;

/** The database could not be reached at start-up. */
export class DatabaseUnreachableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DatabaseUnreachableError";
  }
}

/** Numbered, forward-only: a migration once released is never edited. */
function migrations(dialect: DialectName): Record<string, Migration> {
  return {
    "001-initial": initial(dialect),
    "002-shared-state": sharedState(dialect),
    "003-provider-rules-and-follow-ups": providerRulesAndFollowUps(dialect),
    "004-agent": agent(dialect),
    "005-outbox": outbox(dialect),
    "006-run-merge-request-url": runMergeRequestUrl(),
    "007-forge-events": forgeEvents(dialect),
    "008-first-delivery-of-key": firstDeliveryOfKey(),
    "009-outbox-once": outboxOnce(),
    "010-dashboard-sessions": dashboardSessions(),
  };
}

/**
 * Opens the database and applies pending migrations before returning.
 * SQLite in the data directory by default; PostgreSQL when a URL is set.
 * Several processes may start at once against one PostgreSQL: Kysely's
 * migrator takes a lock, so each migration runs once, on a connection of
 * its own without the statement timeout (openPostgresForMigrations).
 */
export async function openStore(
  options: StoreOptions,
  onConnectionError: (error: Error) => void = () => {},
): Promise<Store> {
  const opened: OpenedDialect = options.databaseUrl
    ? openPostgres(
        options.databaseUrl,
        { maxConnections: options.databasePoolSize ?? DEFAULT_POOL_SIZE },
        onConnectionError,
      )
    : openSqlite(sqliteFile(options.dataDir));
  const db = new Kysely<Database>({ dialect: opened.dialect });

  if (opened.name === "postgres") {
    try {
      await sql`select 1`.execute(db);
    } catch (error) {
      await db.destroy();
      throw new DatabaseUnreachableError(
        `cannot reach PostgreSQL at ${redactedUrl(options.databaseUrl)}; ` +
          "check FLOWGATE_DATABASE_URL and that the server is running",
        { cause: error },
      );
    }
  }

  const migrating =
    opened.name === "postgres" && options.databaseUrl
      ? new Kysely<Database>({
          dialect: openPostgresForMigrations(
            options.databaseUrl,
            onConnectionError,
          ).dialect,
        })
      : db;
  const { error } = await migratorFor(migrating, opened.name)
    .migrateToLatest()
    .finally(() => (migrating === db ? undefined : migrating.destroy()));
  if (error) {
    await db.destroy();
    throw new Error("database migration failed", { cause: error });
  }

  return {
    db,
    dialect: opened.name,
    pool: opened.pool,
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

/** The URL without its password, fit for a message or a log. */
export function redactedUrl(url: string | undefined): string {
  if (!url) return "(unset)";
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(an unparsable URL)";
  }
}
