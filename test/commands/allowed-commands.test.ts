import { describe, expect, it } from "vitest";
import { isAllowedCommand } from "../../src/commands/allowed-commands.ts";
import { commandEnvironment } from "../../src/commands/command-environment.ts";
import { runCommand } from "../../src/commands/run-command.ts";
import { splitCommand } from "../../src/commands/split-command.ts";

describe("splitCommand", () => {
  it("groups quoted text and leaves shell syntax as plain characters", () => {
    expect(splitCommand(`npm test -- -t "adds VAT" 'a b'`)).toEqual([
      "npm",
      "test",
      "--",
      "-t",
      "adds VAT",
      "a b",
    ]);
    expect(splitCommand("echo $HOME; rm -rf / | cat")).toEqual([
      "echo",
      "$HOME;",
      "rm",
      "-rf",
      "/",
      "|",
      "cat",
    ]);
  });

  it("refuses an unclosed quote and an empty line", () => {
    expect(() => splitCommand(`echo "open`)).toThrow("unclosed");
    expect(() => splitCommand("   ")).toThrow("empty");
  });
});

describe("isAllowedCommand", () => {
  it("allows exactly the listed command, or more arguments after a trailing *", () => {
    const allowed = ["npm test", "npx vitest run *"];

    expect(isAllowedCommand(["npm", "test"], allowed)).toBe(true);
    expect(isAllowedCommand(["npm", "test", "--", "x"], allowed)).toBe(false);
    expect(isAllowedCommand(["npm", "install"], allowed)).toBe(false);
    expect(
      isAllowedCommand(["npx", "vitest", "run", "a.test.ts"], allowed),
    ).toBe(true);
    expect(isAllowedCommand(["npx", "vitest"], allowed)).toBe(false);
  });
});

describe("runCommand", () => {
  it("gives the command an environment without the process's variables", () => {
    const environment = commandEnvironment({
      PATH: "/usr/bin",
      HOME: "/home/flowgate",
      FLOWGATE_ADMIN_TOKEN: "secret-admin-token-123",
      AWS_SECRET_ACCESS_KEY: "aws-secret",
    });

    expect(environment.PATH).toBe("/usr/bin");
    expect(Object.keys(environment)).not.toContain("FLOWGATE_ADMIN_TOKEN");
    expect(Object.keys(environment)).not.toContain("AWS_SECRET_ACCESS_KEY");
  });

  it("stops a command and its children at the time limit", async () => {
    const outcome = await runCommand(
      [
        "node",
        "-e",
        "require('child_process').spawn('sleep', ['30'], {stdio: 'inherit'}); setInterval(() => {}, 1000)",
      ],
      { cwd: process.cwd(), timeoutMs: 300, maxOutputBytes: 1024 },
    );

    expect(outcome.timedOut).toBe(true);
    expect(outcome.durationMs).toBeLessThan(5000);
  });

  it("keeps the head and the tail of an output over the limit", async () => {
    const outcome = await runCommand(
      ["node", "-e", "process.stdout.write('A'.repeat(5000) + 'END')"],
      { cwd: process.cwd(), timeoutMs: 5000, maxOutputBytes: 1000 },
    );

    expect(outcome.truncated).toBe(true);
    expect(outcome.output.startsWith("AAAA")).toBe(true);
    expect(outcome.output.endsWith("END")).toBe(true);
    expect(outcome.output.length).toBeLessThan(1100);
  });
});
