import { type Expression, type SqlBool, sql } from "kysely";

/**
 * `column` contains `text`, ignoring case, on SQLite and PostgreSQL
 * alike: both lower-case the column and the pattern, and `%`, `_` and
 * the escape character in the text match only themselves. SQLite's
 * lower() folds ASCII letters only, so "É" and "é" differ there.
 */
export function containsText(
  column: string,
  text: string,
): Expression<SqlBool> {
  const escaped = text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
  return sql<SqlBool>`lower(${sql.ref(column)}) like ${`%${escaped}%`} escape '\\'`;
}
