import {
  CompiledQuery,
  type DialectAdapter,
  type QueryExecutorProvider,
  type QueryResult,
  type RawBuilder,
  sql,
} from "kysely";

/** A value as the driver takes it: no Date, no object. */
export type RowValue = string | number | bigint | null;

/**
 * A statement with a `values` list of one row per item, such as the
 * inserts of a group commit. Its SQL text depends only on the number of
 * rows and the database, so Kysely compiles it once per row count and
 * database; each call then only passes the rows' values as parameters.
 * Compiling the template for every batch was a sixth of the admission
 * thread's time (measured on the ingest benchmark).
 *
 * The texts are kept per Kysely adapter, the object each opened database
 * (and each of its transactions) compiles through: no guess at which
 * dialect it is, and a text compiled for one database is never handed
 * to another.
 */
export class RowsStatement<R> {
  readonly #compiled = new WeakMap<DialectAdapter, Map<number, string>>();

  /**
   * @param width how many values each row has
   * @param template the whole statement around `values`: the rows, as
   *   `(?, ?, …), (?, ?, …)` in the dialect's placeholders
   */
  constructor(
    private readonly width: number,
    private readonly template: (values: RawBuilder<unknown>) => RawBuilder<R>,
  ) {}

  async execute(
    db: QueryExecutorProvider,
    rows: ReadonlyArray<readonly RowValue[]>,
  ): Promise<QueryResult<R>> {
    const parameters: RowValue[] = [];
    for (const row of rows) {
      if (row.length !== this.width) {
        throw new Error(
          `a row of ${row.length} values for a statement of ${this.width}`,
        );
      }
      parameters.push(...row);
    }
    const text = this.#text(db, rows.length);
    return db
      .getExecutor()
      .executeQuery(CompiledQuery.raw(text, parameters) as CompiledQuery<R>);
  }

  #text(db: QueryExecutorProvider, count: number): string {
    const { adapter } = db.getExecutor();
    let texts = this.#compiled.get(adapter);
    if (texts === undefined) {
      texts = new Map();
      this.#compiled.set(adapter, texts);
    }
    const cached = texts.get(count);
    if (cached !== undefined) return cached;

    const placeholder = sql.join(
      Array.from({ length: this.width }, () => sql`${null}`),
    );
    const values = sql.join(
      Array.from({ length: count }, () => sql`(${placeholder})`),
    );
    const compiled = this.template(values).compile(db);
    if (compiled.parameters.length !== count * this.width) {
      // Only values may be parameters: the rows' order is the
      // parameters' order.
      throw new Error("a rows statement's template holds parameters");
    }
    texts.set(count, compiled.sql);
    return compiled.sql;
  }
}
