import fs from "node:fs";
import SQLite from "better-sqlite3";
import {
  type ColumnDefinitionBuilder,
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from "kysely";

// Every line that differs between SQLite and PostgreSQL lives in this file.

export type DialectName = "sqlite" | "postgres";

export interface OpenedDialect {
  name: DialectName;
  dialect: Dialect;
  close?: () => void;
}

/**
 * SQLite in WAL mode with synchronous=FULL: a commit is on disk before it
 * returns, so a 2xx written after a commit survives kill -9 and power loss.
 */
export function openSqlite(file: string): OpenedDialect {
  const connection = openSqliteConnection(file);
  return {
    name: "sqlite",
    dialect: sqliteDialect(connection),
    close: () => connection.close(),
  };
}

/** Kysely's SQLite dialect over one connection, with the statement cache
 * and immediate transactions. */
export function sqliteDialect(connection: SQLite.Database): Dialect {
  return new ImmediateSqliteDialect({
    database: withStatementCache(connection),
  });
}

/** One connection to the file, configured as every Flowgate connection. */
export function openSqliteConnection(file: string): SQLite.Database {
  const connection = new SQLite(file);
  // The database holds hashed tokens and sealed secrets: owner only. SQLite
  // gives its -wal and -shm files the same mode as the database.
  fs.chmodSync(file, 0o600);
  connection.pragma("journal_mode = WAL");
  connection.pragma("synchronous = FULL");
  connection.pragma("foreign_keys = ON");
  // Another process (a CLI, a second test) may hold the write lock briefly.
  connection.pragma("busy_timeout = 5000");
  return connection;
}

/**
 * Transactions that take the write lock when they begin. Two connections
 * write to the file (the HTTP thread's and the admission thread's); a
 * plain `begin` that reads first and writes later fails at once with
 * SQLITE_BUSY when the other holds the lock, while `begin immediate`
 * waits for it (busy_timeout) like any other write.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection) {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every statement anew, which cost a
 * third of a delivery's CPU in profiles. The SQL it generates for one
 * query shape is always the same text, so prepared statements are kept
 * by text and reused. (Kysely's `.stream()` would share a statement's
 * iterator; nothing in Flowgate streams.)
 */
export function withStatementCache(
  connection: SQLite.Database,
): SqliteDatabase & { prepare(sql: string): SQLite.Statement } {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => connection.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statement = connection.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

/** An auto-incrementing integer primary key in the dialect's own words. */
export function idColumn(name: DialectName) {
  return name === "sqlite"
    ? (column: ColumnDefinitionBuilder) =>
        column.primaryKey().autoIncrement().notNull()
    : (column: ColumnDefinitionBuilder) =>
        column.primaryKey().generatedByDefaultAsIdentity().notNull();
}
