import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CommandRunner } from "../../src/commands/command-runner.ts";
import { probeIsolation } from "../../src/commands/namespace-isolation.ts";
import { runGit } from "../../src/git/run-git.ts";

// A data directory laid out as Flowgate's: keys and database at the top,
// a bare repository, and two runs' workspaces (git worktrees of it).
let dataDir: string;
let workspace: string;
let otherWorkspace: string;
let bare: string;
const probe = await probeIsolation();

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-isolation-"));
  fs.writeFileSync(path.join(dataDir, "admin-token"), "fga_ADMINSECRET");
  fs.writeFileSync(path.join(dataDir, "secret.key"), "S2V5U0VDUkVU");
  fs.writeFileSync(path.join(dataDir, "flowgate.sqlite"), "DATABASE");
  bare = path.join(dataDir, "repositories", "acme", "shop.git");
  const source = path.join(dataDir, "source");
  fs.mkdirSync(source);
  await runGit(["init", "--quiet", "--initial-branch=main"], { cwd: source });
  fs.writeFileSync(path.join(source, "README.md"), "shop\n");
  await runGit(["add", "--all"], { cwd: source });
  await runGit(["commit", "--quiet", "-m", "start"], { cwd: source });
  await runGit(["clone", "--quiet", "--bare", source, bare], { cwd: dataDir });
  fs.rmSync(source, { recursive: true });
  workspace = path.join(dataDir, "workspaces", "run-1");
  otherWorkspace = path.join(dataDir, "workspaces", "run-2");
  for (const [dir, branch] of [
    [workspace, "one"],
    [otherWorkspace, "two"],
  ] as const) {
    await runGit(["worktree", "add", "--quiet", "-b", branch, dir, "main"], {
      cwd: bare,
    });
  }
  fs.writeFileSync(path.join(otherWorkspace, "other.txt"), "OTHERRUN");
});
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function run(runner: CommandRunner, script: string) {
  return runner.run(["node", "-e", script], {
    timeoutMs: 20_000,
    maxOutputBytes: 16 * 1024,
  });
}

const READ_SECRETS = `
const fs = require("fs");
for (const file of ["../../admin-token", "../../secret.key",
    "../../flowgate.sqlite", "../run-2/other.txt", "README.md"]) {
  try { console.log(file, "=", fs.readFileSync(file, "utf8").trim()); }
  catch (error) { console.log(file, "!", error.code); }
}
console.log("HOME has", fs.readdirSync(process.env.HOME).join(",") || "nothing");
`;

it.runIf(probe.available)(
  "hides the data directory's secrets and other runs' workspaces from a command, but not its own workspace",
  async () => {
    const runner = await CommandRunner.open({ workspace, hiddenDir: dataDir });
    try {
      const outcome = await run(runner, READ_SECRETS);

      expect(runner.isolated).toBe(true);
      expect(outcome.exitCode, outcome.output).toBe(0);
      expect(outcome.output).toContain("README.md = shop");
      expect(outcome.output).toContain("../../admin-token ! ENOENT");
      expect(outcome.output).toContain("../../secret.key ! ENOENT");
      expect(outcome.output).toContain("../../flowgate.sqlite ! ENOENT");
      expect(outcome.output).toContain("../run-2/other.txt ! ENOENT");
      for (const secret of ["ADMINSECRET", "S2V5U0VDUkVU", "OTHERRUN"]) {
        expect(outcome.output).not.toContain(secret);
      }
    } finally {
      await runner.close();
    }
  },
);

it.runIf(probe.available)(
  "lets git read the workspace's repository while the repository, its worktree metadata included, stays read-only",
  async () => {
    const runner = await CommandRunner.open({ workspace, hiddenDir: dataDir });
    try {
      const status = await runner.run(["git", "status", "--short"], {
        timeoutMs: 20_000,
        maxOutputBytes: 4096,
      });
      const write = await run(
        runner,
        `require("fs").writeFileSync(${JSON.stringify(path.join(bare, "refs", "heads", "main"))}, "0".repeat(40))`,
      );
      // Where the worktree's metadata points: Flowgate commits through it.
      const redirect = await run(
        runner,
        `require("fs").writeFileSync(${JSON.stringify(path.join(bare, "worktrees", "run-1", "commondir"))}, "/elsewhere")`,
      );

      const pointer = await run(
        runner,
        `require("fs").writeFileSync(".git", "gitdir: /elsewhere")`,
      );

      expect(status.exitCode, status.output).toBe(0);
      expect(pointer.output).toContain("EROFS");
      expect(write.exitCode).not.toBe(0);
      expect(write.output).toContain("EROFS");
      expect(redirect.output).toContain("EROFS");
      const main = await runGit(["rev-parse", "refs/heads/main"], {
        cwd: bare,
      });
      expect(main.trim()).not.toBe("0".repeat(40));
    } finally {
      await runner.close();
    }
  },
);

it("gives a command an empty home of the run, removed when the run closes it", async () => {
  const runner = await CommandRunner.open({ workspace, hiddenDir: undefined });
  const outcome = await run(
    runner,
    `const fs = require("fs");
     console.log("HOME", process.env.HOME);
     console.log("entries", fs.readdirSync(process.env.HOME).filter((e) => !e.startsWith(".")).length);
     fs.writeFileSync(process.env.HOME + "/.npmrc", "x");`,
  );
  await runner.close();

  const home = outcome.output.match(/^HOME (.+)$/m)?.[1] ?? "";
  expect(home).not.toBe(os.homedir());
  expect(home.startsWith(dataDir)).toBe(false);
  expect(outcome.output).toContain("entries 0");
  expect(fs.existsSync(home)).toBe(false);
});

it("reports isolation unavailable, with the reason, where unshare cannot run", async () => {
  const saved = process.env.PATH;
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-no-path-"));
  process.env.PATH = empty;
  try {
    const unavailable = await probeIsolation();

    expect(unavailable.available).toBe(false);
    expect(unavailable.available ? "" : unavailable.reason).toMatch(/ENOENT/);
  } finally {
    process.env.PATH = saved;
    fs.rmSync(empty, { recursive: true, force: true });
  }
});
