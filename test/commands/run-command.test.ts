import { afterEach, describe, expect, it } from "vitest";
import { commandEnvironment } from "../../src/commands/command-environment.ts";
import {
  type CommandHome,
  createCommandHome,
  removeCommandHome,
} from "../../src/commands/command-home.ts";
import { runCommand } from "../../src/commands/run-command.ts";

let home: CommandHome | undefined;
// Processes a test left behind on purpose, ended after it.
const strays: number[] = [];

afterEach(async () => {
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  if (home) await removeCommandHome(home);
  home = undefined;
});

async function options(timeoutMs: number, signal?: AbortSignal) {
  home = await createCommandHome();
  return {
    cwd: process.cwd(),
    env: commandEnvironment(home),
    timeoutMs,
    maxOutputBytes: 4096,
    signal,
  };
}

// Starts a grandchild in a session of its own (out of the command's
// process group) that keeps the command's stdout open, prints its pid.
const DETACHED_GRANDCHILD =
  "const {spawn} = require('child_process');" +
  "const c = spawn('sleep', ['60'], {detached: true, stdio: ['ignore', 'inherit', 'inherit']});" +
  "c.unref(); process.stdout.write('grandchild ' + c.pid + '\\n');";

function strayPid(output: string): void {
  const pid = Number(output.match(/grandchild (\d+)/)?.[1]);
  if (pid > 0) strays.push(pid);
}

describe("commandEnvironment", () => {
  it("gives the command the run's empty home instead of the process's variables", async () => {
    home = await createCommandHome();
    const environment = commandEnvironment(home, {
      PATH: "/usr/bin",
      HOME: "/home/flowgate",
      TMPDIR: "/var/tmp/flowgate",
      FLOWGATE_ADMIN_TOKEN: "secret-admin-token-123",
      AWS_SECRET_ACCESS_KEY: "aws-secret",
    });

    expect(environment.PATH).toBe("/usr/bin");
    expect(environment.HOME).toBe(home.home);
    expect(environment.TMPDIR).toBe(home.tmp);
    expect(environment.XDG_CONFIG_HOME?.startsWith(home.home)).toBe(true);
    expect(Object.keys(environment)).not.toContain("FLOWGATE_ADMIN_TOKEN");
    expect(Object.keys(environment)).not.toContain("AWS_SECRET_ACCESS_KEY");
  });
});

describe("runCommand", () => {
  it("stops a command and its children at the time limit", async () => {
    const outcome = await runCommand(
      [
        "node",
        "-e",
        "require('child_process').spawn('sleep', ['30'], {stdio: 'inherit'}); setInterval(() => {}, 1000)",
      ],
      await options(300),
    );

    expect(outcome.timedOut).toBe(true);
    expect(outcome.exitCode).toBeUndefined();
  });

  it("ends at the time limit although a detached grandchild holds its output open", async () => {
    const outcome = await runCommand(
      ["node", "-e", `${DETACHED_GRANDCHILD} setInterval(() => {}, 1000);`],
      await options(500),
    );
    strayPid(outcome.output);

    expect(outcome.timedOut).toBe(true);
    expect(outcome.output).toMatch(/grandchild \d+/);
  });

  it("ends when the run is aborted although a detached grandchild holds its output open", async () => {
    const controller = new AbortController();
    const running = runCommand(
      ["node", "-e", `${DETACHED_GRANDCHILD} setInterval(() => {}, 1000);`],
      await options(60_000, controller.signal),
    );
    setTimeout(() => controller.abort(), 500);
    const outcome = await running;
    strayPid(outcome.output);

    expect(outcome.timedOut).toBe(false);
    expect(outcome.exitCode).toBeUndefined();
    expect(outcome.signal).toBe("SIGKILL");
  });

  it("answers with the exit code of a command that exits while a detached grandchild holds its output", async () => {
    const outcome = await runCommand(
      ["node", "-e", `${DETACHED_GRANDCHILD} process.exitCode = 3;`],
      await options(60_000),
    );
    strayPid(outcome.output);

    expect(outcome.timedOut).toBe(false);
    expect(outcome.exitCode).toBe(3);
    expect(outcome.output).toMatch(/grandchild \d+/);
  });

  it("keeps the head and the tail of an output over the limit", async () => {
    const outcome = await runCommand(
      ["node", "-e", "process.stdout.write('A'.repeat(5000) + 'END')"],
      { ...(await options(5000)), maxOutputBytes: 1000 },
    );

    expect(outcome.truncated).toBe(true);
    expect(outcome.output.startsWith("AAAA")).toBe(true);
    expect(outcome.output.endsWith("END")).toBe(true);
    expect(outcome.output.length).toBeLessThan(1100);
  });
});
