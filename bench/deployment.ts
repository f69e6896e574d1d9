import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import {
  type ChildServer,
  freePort,
  REPOSITORY_ROOT,
  startChildServer,
} from "../test/helpers/child-server.ts";

export type Storage = "sqlite" | "postgres";

/** One way of running Flowgate: its storage and how many API processes
 * share it (more than one only on PostgreSQL). */
export interface Deployment {
  storage: Storage;
  apiProcesses: number;
  label: string;
}

export function deployments(
  storages: readonly Storage[],
  apiCounts: readonly number[],
): Deployment[] {
  return storages.flatMap((storage) =>
    apiCounts
      .filter((count) => storage === "postgres" || count === 1)
      .map((count) => ({
        storage,
        apiProcesses: count,
        label: count > 1 ? `${storage} ×${count}` : storage,
      })),
  );
}

/** The server the PostgreSQL benchmarks create their databases on. */
export const BENCH_POSTGRES_URL =
  process.env.FLOWGATE_BENCH_POSTGRES_URL ??
  "postgres://postgres@127.0.0.1:5432/test";

export interface RunningDeployment {
  deployment: Deployment;
  servers: ChildServer[];
}

export interface DeploymentOptions {
  role: "api" | "all";
  env: Record<string, string>;
  nodeArgs: string[];
}

/**
 * Starts the deployment's processes on a fresh data directory (and, on
 * PostgreSQL, a fresh database), runs `use`, and removes it all again.
 * The first process starts alone: it writes the admin token and the
 * secret key the others then read from the shared data directory.
 */
export async function withDeployment<T>(
  deployment: Deployment,
  options: DeploymentOptions,
  use: (running: RunningDeployment) => Promise<T>,
): Promise<T> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-bench-"));
  const database =
    deployment.storage === "postgres" ? await createDatabase() : undefined;
  const servers: ChildServer[] = [];
  const start = async () => {
    const server = await startChildServer({
      dataDir,
      port: await freePort(),
      env: {
        FLOWGATE_LOG_LEVEL: "info",
        FLOWGATE_ROLE: options.role,
        ...(database ? { FLOWGATE_DATABASE_URL: database.url } : {}),
        ...options.env,
      },
      nodeArgs: options.nodeArgs,
    });
    servers.push(server);
  };
  try {
    await start();
    for (let index = 1; index < deployment.apiProcesses; index += 1) {
      await start();
    }
    return await use({ deployment, servers });
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function createDatabase(): Promise<{
  url: string;
  drop(): Promise<void>;
}> {
  const name = `flowgate_bench_${randomBytes(4).toString("hex")}`;
  await admin(`create database ${name}`);
  const url = new URL(BENCH_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(`drop database if exists ${name} with (force)`),
  };
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: BENCH_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export { REPOSITORY_ROOT };
