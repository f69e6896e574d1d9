import { describe, expect, it } from "vitest";
import { isAllowedCommand } from "../../src/commands/allowed-commands.ts";
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
