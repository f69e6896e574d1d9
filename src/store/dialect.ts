import fs from "node:fs";
import SQLite from "better-sqlite3";
import {
  type ColumnDefinitionBuilder,
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresDialect,
  type QueryExecutorProvider,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  sql,
} from "kysely";
import pg from "pg";

// Every line that differs between SQLite and PostgreSQL lives in this file.

export type DialectName = "sqlite" | "postgres";

export interface OpenedDialect {
  name: DialectName;
  dialect: Dialect;
  /** The PostgreSQL pool, for what Kysely does not do (LISTEN, limits). */
  pool?: pg.Pool;
}

/**
 * SQLite in WAL mode with synchronous=FULL: a commit is on disk before it
 * returns, so a 2xx written after a commit survives kill -9 and power loss.
 */
export function openSqlite(file: string): OpenedDialect {
  const connection = openSqliteConnection(file);
  return { name: "sqlite", dialect: sqliteDialect(connection) };
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

// Batch admissions write one statement text per batch size and table,
// so the cache holds a few thousand texts.
const STATEMENT_CACHE_SIZE = 4000;

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

const SECOND_MS = 1000;

/** How long one statement of a request or a job may run on PostgreSQL. */
export const STATEMENT_TIMEOUT_MS = 10 * SECOND_MS;
// The client's own limit, for a server that stopped answering at all.
const QUERY_TIMEOUT_MS = 15 * SECOND_MS;
const CONNECT_TIMEOUT_MS = 3 * SECOND_MS;
const IDLE_TIMEOUT_MS = 30 * SECOND_MS;

/** How a PostgreSQL pool behaves; every process of a deployment has one. */
export interface PostgresPoolOptions {
  /** Connections this process may hold at most. */
  maxConnections: number;
}

/**
 * A pool that never hangs: getting a connection gives up after a few
 * seconds and a statement after a few more, so a request waiting on a
 * database that went away is answered 503 instead of waiting forever.
 * The pool reconnects by itself once the server is back.
 */
export function openPostgres(
  url: string,
  options: PostgresPoolOptions,
  onConnectionError: (error: Error) => void,
): OpenedDialect {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    // Sent as a start-up parameter of each connection (see scaling.md
    // for PgBouncer).
    statement_timeout: STATEMENT_TIMEOUT_MS,
    application_name: "flowgate",
  });
  watchConnections(pool, onConnectionError);
  return { name: "postgres", dialect: new PostgresDialect({ pool }), pool };
}

/**
 * One connection for applying migrations at start-up, without the
 * statement timeout: a migration may rewrite a large table, and a
 * process starting beside one that migrates waits for the migration
 * lock for as long as that takes (Kysely bounds the wait to an hour)
 * instead of giving up after a request's 10 s and exiting. A timeout
 * the server sets for the role is lifted too.
 */
export function openPostgresForMigrations(
  url: string,
  onConnectionError: (error: Error) => void,
): OpenedDialect {
  const pool = new pg.Pool({
    connectionString: url,
    max: 1,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: "flowgate-migrations",
  });
  watchConnections(pool, onConnectionError);
  // A client runs its queries in order, so this precedes every other.
  pool.on("connect", (client) => {
    client.query("set statement_timeout = 0").catch(onConnectionError);
  });
  return { name: "postgres", dialect: new PostgresDialect({ pool }), pool };
}

/**
 * A connection the server drops (a restart, say) emits "error": on the
 * pool while idle, on the client itself while checked out (between the
 * statements of a transaction, say). Unhandled, either would end the
 * process; the statement in flight, if any, fails with it anyway.
 */
function watchConnections(
  pool: pg.Pool,
  onConnectionError: (error: Error) => void,
): void {
  pool.on("error", onConnectionError);
  pool.on("connect", (client) => client.on("error", onConnectionError));
}

/** True when an error means the database itself is out of reach, not
 * that a statement was wrong. */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") {
    return (
      error instanceof Error && /timeout|terminat|connect/i.test(error.message)
    );
  }
  // Node's socket errors, and PostgreSQL's classes 08 (connection
  // exception) and 57P (operator intervention: shutdown, restart).
  return (
    ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND"].includes(
      code,
    ) ||
    code.startsWith("08") ||
    code.startsWith("57P")
  );
}

/** A unique index as each database names it when an insert breaks it. */
export interface UniqueIndex {
  name: string;
  table: string;
  columns: readonly string[];
}

/**
 * True when an error is a unique-constraint violation; when `index` is
 * given, of that index alone. PostgreSQL (SQLSTATE 23505) names the
 * index; SQLite names the index's columns in its message.
 */
export function isUniqueViolation(
  error: unknown,
  index?: UniqueIndex,
): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, constraint, message } = error as {
    code?: unknown;
    constraint?: unknown;
    message?: unknown;
  };
  if (code === "23505") {
    return index === undefined || constraint === index.name;
  }
  if (
    code !== "SQLITE_CONSTRAINT_UNIQUE" &&
    code !== "SQLITE_CONSTRAINT_PRIMARYKEY"
  ) {
    return false;
  }
  if (index === undefined) return true;
  const columns = index.columns
    .map((column) => `${index.table}.${column}`)
    .join(", ");
  return typeof message === "string" && message.endsWith(`: ${columns}`);
}

/** What `count(*)` answers: PostgreSQL counts in bigint, which node-pg
 * answers as a string; SQLite answers a number. */
export type CountValue = number | string | bigint;

/** A `count(*)` as a number, whichever database counted. */
export function countValue(count: CountValue | null | undefined): number {
  return count === null || count === undefined ? 0 : Number(count);
}

/** An auto-incrementing integer primary key in the dialect's own words. */
export function idColumn(name: DialectName) {
  return name === "sqlite"
    ? (column: ColumnDefinitionBuilder) =>
        column.primaryKey().autoIncrement().notNull()
    : (column: ColumnDefinitionBuilder) =>
        column.primaryKey().generatedByDefaultAsIdentity().notNull();
}

/** The channel a PostgreSQL database notifies when a job is queued. */
export const JOB_CHANNEL = "flowgate_jobs";

/**
 * On PostgreSQL, every statement that queues jobs notifies JOB_CHANNEL
 * when its transaction commits, whichever process or path queued them,
 * so idle workers everywhere wake at once. SQLite has one process, which
 * wakes its own worker after each commit.
 */
export async function createJobNotification(
  db: Kysely<unknown>,
  dialect: DialectName,
): Promise<void> {
  if (dialect !== "postgres") return;
  await sql`
    create function flowgate_notify_job() returns trigger
    language plpgsql as $$
    begin
      perform pg_notify(${sql.lit(JOB_CHANNEL)}, '');
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger jobs_notify after insert on jobs
    for each statement execute function flowgate_notify_job()`.execute(db);
}

/** The channel a PostgreSQL database carries remote wakes on. */
export const WAKE_CHANNEL = "flowgate_wakes";

/**
 * On PostgreSQL, sends `message` to every process listening on
 * WAKE_CHANNEL, this one included (remote-wakeups.ts). SQLite has one
 * process, which wakes its own followers.
 */
export async function notifyWake(
  db: QueryExecutorProvider,
  dialect: DialectName,
  message: string,
): Promise<void> {
  if (dialect !== "postgres") return;
  await sql`
    select pg_notify(${sql.lit(WAKE_CHANNEL)}, ${message})`.execute(db);
}

/**
 * The clause that locks the rows a `select` answers against updates until
 * the transaction ends: PostgreSQL's FOR SHARE, which another transaction
 * updating one of them waits for (and which waits for it). SQLite needs
 * none: `begin immediate` lets one writer in at a time.
 */
export function sharingRows(dialect: DialectName) {
  return dialect === "postgres" ? sql`for share` : sql``;
}

// Two ints name an advisory lock; the first says whose lock it is.
const CLAIM_LOCK_CLASS = 0x666c6777; // "flgw"

/**
 * Locks the rows a claimer is looking at so that claimers in other
 * processes skip them (PostgreSQL's FOR UPDATE SKIP LOCKED). SQLite's
 * `begin immediate` lets one claimer in at a time already.
 */
export function skippingLockedRows(dialect: DialectName) {
  return <Query extends { forUpdate(): Query; skipLocked(): Query }>(
    query: Query,
  ): Query => (dialect === "postgres" ? query.forUpdate().skipLocked() : query);
}

/**
 * Holds, until the transaction ends, the right to start a job of this
 * project, so that two processes never both count a free slot and both
 * take it. False when another claimer holds it now: try another project.
 */
export async function lockProjectSlot(
  trx: QueryExecutorProvider,
  dialect: DialectName,
  projectId: number,
): Promise<boolean> {
  if (dialect !== "postgres") return true;
  const { rows } = await sql<{ locked: boolean }>`
    select pg_try_advisory_xact_lock(${CLAIM_LOCK_CLASS}, ${projectId})
      as locked`.execute(trx);
  return rows[0]?.locked === true;
}

/**
 * After a row was inserted with an id of its own (a GitLab project keeps
 * GitLab's), moves the table's id counter past the largest id. SQLite's
 * AUTOINCREMENT does so by itself; PostgreSQL's identity does not.
 */
export async function advanceIdentity(
  db: QueryExecutorProvider,
  dialect: DialectName,
  table: "projects",
): Promise<void> {
  if (dialect !== "postgres") return;
  await sql`
    select setval(pg_get_serial_sequence(${table}, 'id'),
      (select max(id) from ${sql.table(table)}))`.execute(db);
}
