import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

/**
 * Starts a TypeScript file on a thread of its own. The thread posts
 * "ready" once set up, then its result. The test runner's loader does
 * not reach a thread, so the thread imports the file through tsx.
 */
export function startThread<Result>(
  entry: URL,
  workerData: unknown,
): { ready: Promise<void>; result: Promise<Result> } {
  const api = pathToFileURL(
    createRequire(import.meta.url).resolve("tsx/esm/api"),
  ).href.replace(/\.cjs$/, ".mjs");
  const target = JSON.stringify(entry.href);
  const bootstrap = [
    `import(${JSON.stringify(api)})`,
    `  .then(({ tsImport }) => tsImport(${target}, ${target}))`,
    "  .catch((error) => { setImmediate(() => { throw error; }); });",
  ].join("\n");
  const worker = new Worker(bootstrap, {
    eval: true,
    workerData,
    execArgv: [],
  });
  const ended = new Promise<never>((_, reject) => {
    worker.once("error", reject);
    worker.once("exit", (code) =>
      reject(new Error(`the thread exited with ${code} before answering`)),
    );
  });
  const messages: unknown[] = [];
  const waiting: Array<() => void> = [];
  worker.on("message", (message: unknown) => {
    messages.push(message);
    for (const wake of waiting.splice(0)) wake();
  });
  const nth = async (index: number): Promise<unknown> => {
    while (messages.length <= index) {
      await Promise.race([
        ended,
        new Promise<void>((resolve) => waiting.push(resolve)),
      ]);
    }
    return messages[index];
  };
  const ready = nth(0).then(() => undefined);
  const result = nth(1) as Promise<Result>;
  // Neither may go unhandled when the other is what the test awaits.
  ready.catch(() => {});
  result.catch(() => {});
  return { ready, result };
}
