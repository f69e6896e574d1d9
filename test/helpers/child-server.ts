import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { adminRequest, type JsonResponse } from "./admin-request.ts";

export { freePort } from "./test-server.ts";

/** The repository root, where `src/main.ts` and `node_modules` live. */
export const REPOSITORY_ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../..",
);

const READY_TIMEOUT_MS = 30_000;

// Children run in their own process group, out of reach of a Ctrl-C sent
// to ours; whatever is still alive when this process exits is killed.
const liveGroups = new Set<number>();
process.once("exit", () => {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
});
const STOP_TIMEOUT_MS = 15_000;
const OUTPUT_TAIL_CHARS = 8_000;

export interface ChildServerOptions {
  dataDir: string;
  port: number;
  /** Extra FLOWGATE_* variables; FLOWGATE_LOG_LEVEL defaults to warn. */
  env?: Record<string, string>;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  readyTimeoutMs?: number;
  /** Receives every line the process writes to stdout (its JSON logs). */
  onLine?: (line: string) => void;
}

export type AdminResponse = JsonResponse;

/** A Flowgate server running as its own process, as in production. */
export interface ChildServer {
  url: string;
  port: number;
  dataDir: string;
  pid: number;
  /** Read from `<data>/admin-token`, where the first start wrote it. */
  adminToken: string;
  /** The last few kilobytes the process wrote, for failure messages. */
  output(): string;
  /** Calls the admin API with the admin token; JSON in, JSON out. */
  admin(
    method: string,
    urlPath: string,
    body?: unknown,
  ): Promise<AdminResponse>;
  /** kill -9 of the whole process group; resolves once it has exited. */
  kill(): Promise<void>;
  /** SIGTERM, a graceful shutdown; SIGKILL if it takes too long. */
  stop(): Promise<void>;
}

/**
 * Spawns `node --import tsx src/main.ts serve` with the given data
 * directory and port and waits until /-/readiness answers 200. Node is
 * started directly, not through the tsx launcher, so that the pid is the
 * server itself and a SIGKILL reaches it with nothing in between.
 */
export async function startChildServer(
  options: ChildServerOptions,
): Promise<ChildServer> {
  const url = `http://127.0.0.1:${options.port}`;
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), "--import", "tsx", "src/main.ts", "serve"],
    {
      cwd: REPOSITORY_ROOT,
      env: {
        ...inheritedEnv(),
        FLOWGATE_HOST: "127.0.0.1",
        FLOWGATE_LOG_LEVEL: "warn",
        ...options.env,
        FLOWGATE_DATA_DIR: options.dataDir,
        FLOWGATE_PORT: String(options.port),
      },
      // Its own process group, so that kill() also reaches any git child.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );

  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on("data", keep);
  if (options.onLine) {
    const onLine = options.onLine;
    let partial = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    });
  }
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  if (child.pid !== undefined) {
    const pid = child.pid;
    liveGroups.add(pid);
    void exited.then(() => liveGroups.delete(pid));
  }
  child.once("error", (error) => {
    tail += `\nspawn failed: ${error.message}`;
  });

  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`starting the server failed: ${tail}`);
  }

  const killGroup = async (): Promise<void> => {
    signalGroup(child, pid, "SIGKILL");
    await exited;
  };

  try {
    await waitForReadiness(
      url,
      child,
      options.readyTimeoutMs ?? READY_TIMEOUT_MS,
    );
  } catch (error) {
    await killGroup();
    throw new Error(
      `the server on ${url} did not become ready: ${(error as Error).message}` +
        `\n--- its output ---\n${tail}`,
      { cause: error },
    );
  }

  const adminToken = fs
    .readFileSync(path.join(options.dataDir, "admin-token"), "utf8")
    .trim();

  const admin = (method: string, urlPath: string, body?: unknown) =>
    adminRequest(url, adminToken, method, urlPath, body);

  return {
    url,
    port: options.port,
    dataDir: options.dataDir,
    pid,
    adminToken,
    output: () => tail,
    admin,
    kill: killGroup,
    async stop() {
      signalGroup(child, pid, "SIGTERM");
      const timer = setTimeout(
        () => signalGroup(child, pid, "SIGKILL"),
        STOP_TIMEOUT_MS,
      );
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The parent's environment without its Flowgate settings or node flags,
 * so that the child runs only with what the caller chose. */
function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (name.startsWith("FLOWGATE_") || name === "NODE_OPTIONS") continue;
    env[name] = value;
  }
  return env;
}

function signalGroup(
  child: ChildProcess,
  pid: number,
  signal: NodeJS.Signals,
): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already; the process itself may still be exiting.
    child.kill(signal);
  }
}

/** Polls `url/-/readiness` until it answers 200; fails early if the
 * process exits. */
export async function waitForReadiness(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `the process exited (${child.exitCode ?? child.signalCode})`,
      );
    }
    try {
      const response = await fetch(`${url}/-/readiness`, {
        signal: AbortSignal.timeout(1_000),
      });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `readiness answered ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms (${last})`);
}

/** Polls until no run of the project is queued or running; returns all. */
export async function waitForIdleRuns(
  server: ChildServer,
  projectId: number,
  timeoutMs: number,
): Promise<Record<string, any>[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = await listAll(
      server,
      `/api/v4/projects/${projectId}/workflows/runs`,
    );
    const active = runs.filter(
      (run) => run.status === "queued" || run.status === "running",
    );
    if (active.length === 0) return runs;
    if (Date.now() > deadline) {
      throw new Error(
        `${active.length} of ${runs.length} runs still active after ` +
          `${timeoutMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Follows GitLab-style paging (`X-Next-Page`) and returns every item. */
export async function listAll(
  server: ChildServer,
  urlPath: string,
): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  const separator = urlPath.includes("?") ? "&" : "?";
  let page = "1";
  while (page) {
    const answer = await server.admin(
      "GET",
      `${urlPath}${separator}per_page=100&page=${page}`,
    );
    if (answer.status !== 200) {
      throw new Error(
        `GET ${urlPath} answered ${answer.status}: ${JSON.stringify(answer.body)}`,
      );
    }
    items.push(...(answer.body as Record<string, any>[]));
    page = answer.headers.get("x-next-page") ?? "";
  }
  return items;
}
