import { parentPort, workerData } from "node:worker_threads";
import { type StoreOptions, sqliteFile } from "../store/database.ts";
import type { Admission } from "./admit-delivery.ts";
import { openDirectSqliteCommit } from "./direct-sqlite-commit.ts";

// The admission thread: its own connection to the same SQLite file, so
// that SQL work and the fsync of each group commit run beside the HTTP
// thread instead of stopping it. See admission-thread.ts.

interface CommitRequest {
  id: number;
  at: string;
  admissions: Admission[];
}

if (!parentPort) throw new Error("admission-thread-entry runs in a worker");
const port = parentPort;
const { dataDir } = workerData as StoreOptions;
const { commit, close } = openDirectSqliteCommit(sqliteFile(dataDir));

port.on("message", (request: CommitRequest | "close") => {
  if (request === "close") {
    close();
    port.close();
    return;
  }
  commit(request.admissions, new Date(request.at)).then(
    (results) => port.postMessage({ id: request.id, results }),
    (error: unknown) =>
      port.postMessage({
        id: request.id,
        error: error instanceof Error ? error.message : String(error),
      }),
  );
});
port.postMessage("ready");
