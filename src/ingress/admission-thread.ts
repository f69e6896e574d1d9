import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import type { StoreOptions } from "../store/database.ts";
import type { AdmissionResult } from "./admit-delivery.ts";
import type { CommitAdmissions } from "./commit-admissions.ts";

type Reply =
  | { id: number; results: AdmissionResult[] }
  | { id: number; error: string };

interface Waiting {
  resolve: (results: AdmissionResult[]) => void;
  reject: (error: Error) => void;
}

const SOURCE_EXTENSION = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

/**
 * Run from sources (npm start, the tests), the thread's entry is
 * TypeScript: the thread loads it through tsx's own import, since the
 * parent thread's loader does not reach a worker.
 */
function typeScriptBootstrap(entry: URL): string {
  const api = pathToFileURL(
    createRequire(import.meta.url).resolve("tsx/esm/api"),
  ).href.replace(/\.cjs$/, ".mjs");
  const target = JSON.stringify(entry.href);
  return [
    `import(${JSON.stringify(api)})`,
    `  .then(({ tsImport }) => tsImport(${target}, ${target}))`,
    "  .catch((error) => { setImmediate(() => { throw error; }); });",
  ].join("\n");
}

/**
 * Runs group commits on a worker thread with its own SQLite connection.
 * better-sqlite3 is synchronous: on the HTTP thread every commit's SQL
 * and fsync stopped all other requests, and that thread ran out of CPU
 * at about a fifth of a bare server's rate. Here the HTTP thread keeps
 * reading and checking deliveries while the previous batch commits. A
 * 2xx is still written only after the thread reports its batch durable.
 */
export class AdmissionThread {
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 1;
  #worker: Worker;

  private constructor(
    worker: Worker,
    private readonly logger: Logger,
  ) {
    this.#worker = worker;
    worker.on("message", (reply: Reply) => this.#settle(reply));
    worker.on("error", (error) => this.#failAll(error));
    worker.on("exit", (code) => {
      if (this.#waiting.size > 0) {
        this.#failAll(new Error(`the admission thread exited with ${code}`));
      }
    });
  }

  /** Starts the thread and waits until its connection is open. */
  static async start(
    store: StoreOptions,
    logger: Logger,
  ): Promise<AdmissionThread> {
    const entry = new URL(
      `./admission-thread-entry${SOURCE_EXTENSION}`,
      import.meta.url,
    );
    const workerData = {
      dataDir: store.dataDir,
      databaseUrl: store.databaseUrl,
    };
    // Flags of the parent (a test runner's, say) are not the thread's.
    const worker =
      SOURCE_EXTENSION === ".ts"
        ? new Worker(typeScriptBootstrap(entry), {
            eval: true,
            workerData,
            execArgv: [],
          })
        : new Worker(entry, { workerData, execArgv: [] });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: unknown) => {
        if (message !== "ready") return;
        worker.off("error", reject);
        worker.off("message", onMessage);
        resolve();
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
    });
    return new AdmissionThread(worker, logger);
  }

  readonly commit: CommitAdmissions = (admissions, at) =>
    new Promise((resolve, reject) => {
      const id = this.#nextId++;
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ id, at: at.toISOString(), admissions });
    });

  /** Waits for batches in flight, then closes the thread's connection. */
  async close(): Promise<void> {
    while (this.#waiting.size > 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const exited = new Promise((resolve) => this.#worker.once("exit", resolve));
    this.#worker.postMessage("close");
    await exited;
  }

  #settle(reply: Reply): void {
    const waiting = this.#waiting.get(reply.id);
    if (!waiting) return;
    this.#waiting.delete(reply.id);
    if ("results" in reply) waiting.resolve(reply.results);
    else waiting.reject(new Error(`admission commit failed: ${reply.error}`));
  }

  #failAll(error: Error): void {
    this.logger.error({ err: error }, "the admission thread failed");
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
  }
}
