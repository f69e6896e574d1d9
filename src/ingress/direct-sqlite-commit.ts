import {
  type CompiledQuery,
  Kysely,
  type QueryExecutor,
  type QueryExecutorProvider,
  type QueryResult,
  type RootOperationNode,
} from "kysely";
import {
  openSqliteConnection,
  sqliteDialect,
  withStatementCache,
} from "../store/dialect.ts";
import type { Database } from "../store/schema.ts";
import { admitDeliveries } from "./admit-delivery.ts";
import type { CommitAdmissions } from "./commit-admissions.ts";
import { retryingRacedAdmissions } from "./retry-raced-admissions.ts";

/**
 * The admission thread's commit, SQLite only (the thread exists because
 * better-sqlite3 blocks). The statements are the same Kysely `sql`
 * templates as everywhere, compiled by Kysely, but executed straight on
 * the thread's own connection inside a `begin immediate` transaction:
 * Kysely's executor around each statement was the largest cost left on
 * the thread that every acknowledged delivery waits for.
 */
export function openDirectSqliteCommit(file: string): {
  commit: CommitAdmissions;
  close(): void;
} {
  const connection = openSqliteConnection(file);
  const statements = withStatementCache(connection);
  // Kysely over the same connection, used here only to compile statements.
  const compiler = new Kysely<Database>({ dialect: sqliteDialect(connection) });
  const kysely = compiler.getExecutor();

  const executor = {
    adapter: kysely.adapter,
    plugins: [],
    transformQuery: <T extends RootOperationNode>(node: T) => node,
    compileQuery: (node: RootOperationNode, queryId: never) =>
      kysely.compileQuery(node, queryId),
    async executeQuery<R>(compiled: CompiledQuery<R>): Promise<QueryResult<R>> {
      const statement = statements.prepare(compiled.sql);
      const parameters = compiled.parameters as unknown[];
      if (statement.reader) return { rows: statement.all(parameters) as R[] };
      const { changes, lastInsertRowid } = statement.run(parameters);
      return {
        rows: [],
        numAffectedRows: BigInt(changes),
        insertId: BigInt(lastInsertRowid),
      };
    },
  } as unknown as QueryExecutor;
  const direct: QueryExecutorProvider = { getExecutor: () => executor };

  const begin = connection.prepare("begin immediate");
  const commitStatement = connection.prepare("commit");

  // `begin immediate` keeps every other connection from writing between
  // a batch's lookup and its commit, so on SQLite the unique index of
  // migration 008 should never refuse a batch; if it does, the batch is
  // committed again as on PostgreSQL, where that race is real.
  const commit = retryingRacedAdmissions(async (admissions, at) => {
    begin.run();
    try {
      const results = await admitDeliveries(direct, admissions, at, "sqlite");
      commitStatement.run();
      return results;
    } catch (error) {
      if (connection.inTransaction) connection.exec("rollback");
      throw error;
    }
  });

  return {
    commit,
    close: () => connection.close(),
  };
}
