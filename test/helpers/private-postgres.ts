import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./test-server.ts";

const run = promisify(execFile);

/**
 * A PostgreSQL server of a test's own, from the machine's binaries, in a
 * temp directory: a test may stop and start it without disturbing the
 * shared server other tests use. PostgreSQL refuses to run as root, so
 * as root it runs as the `postgres` user.
 */
export interface PrivatePostgres {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** Where Debian installs the server binaries, or undefined. */
export function postgresBinaries(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!fs.existsSync(root)) return undefined;
  const [newest] = fs
    .readdirSync(root)
    .filter((version) => fs.existsSync(path.join(root, version, "bin/pg_ctl")))
    .sort((a, b) => Number(b) - Number(a));
  return newest ? path.join(root, newest, "bin") : undefined;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinaries();
  if (!bin) throw new Error("no PostgreSQL server binaries on this machine");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-pg-"));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await run("chown", ["postgres", dir]);
  const data = path.join(dir, "data");
  const port = await freePort();

  const as = (command: string, args: string[]) =>
    asRoot
      ? run("runuser", [
          "-u",
          "postgres",
          "--",
          path.join(bin, command),
          ...args,
        ])
      : run(path.join(bin, command), args);

  await as("initdb", [
    "-D",
    data,
    "-A",
    "trust",
    "-U",
    "postgres",
    "--no-sync",
  ]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = async () => {
    await as("pg_ctl", [
      "-D",
      data,
      "-o",
      options,
      "-l",
      path.join(dir, "log"),
      "-w",
      "start",
    ]);
  };
  const stop = async () => {
    await as("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      await stop().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
