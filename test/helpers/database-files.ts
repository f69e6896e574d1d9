import fs from "node:fs";
import path from "node:path";
import { sqliteFile } from "../../src/store/database.ts";

/** One file of the SQLite database, with its bytes as they are now. */
export interface DatabaseFile {
  file: string;
  bytes: Buffer;
}

// SQLite runs in WAL mode: a new row lives in `-wal` until a checkpoint
// copies it into the main file, and `-shm` indexes the WAL. A search of
// the main file alone passes whatever was just written.
const COMPANIONS = ["", "-wal", "-shm"];

/** The database file and its WAL and shared-memory files, those that
 * exist, for a search of everything SQLite has written. */
export function databaseFiles(dataDir: string): DatabaseFile[] {
  const main = sqliteFile(dataDir);
  return COMPANIONS.map((suffix) => `${main}${suffix}`)
    .filter((file) => fs.existsSync(file))
    .map((file) => ({ file, bytes: fs.readFileSync(file) }));
}

/** The names of the database's files that hold `secret` as written. */
export function databaseFilesHolding(
  dataDir: string,
  secret: string,
): string[] {
  const needle = Buffer.from(secret, "utf8");
  return databaseFiles(dataDir)
    .filter(({ bytes }) => bytes.includes(needle))
    .map(({ file }) => path.basename(file));
}
