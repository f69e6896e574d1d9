import { afterAll, beforeAll, expect, it } from "vitest";
import { CommandRunner } from "../../src/commands/command-runner.ts";
import { executeTool } from "../../src/executors/agent/tools/agent-tools.ts";
import {
  LIMITS,
  type ToolContext,
} from "../../src/executors/agent/tools/tool-context.ts";
import { workspaceWith } from "./workspace-fixture.ts";

const LONG_LINE = `${"x".repeat(99)}\n`;
let context: ToolContext;
let remove: () => void;

beforeAll(async () => {
  const made = await workspaceWith({
    "five.txt": "one\ntwo\nthree\nfour\nfive\n",
    // 1,000 lines of 100 characters: over the 48 KiB one call answers.
    "long.txt": LONG_LINE.repeat(1000),
    "huge.bin": Buffer.alloc(LIMITS.readableBytes + 1, 0x61),
    "binary.dat": Buffer.from([0x50, 0x4b, 0x00, 0x01]),
  });
  remove = made.remove;
  context = {
    workspace: made.workspace,
    allowedCommands: [],
    signal: new AbortController().signal,
    commandTimeoutMs: 1000,
    commands: await CommandRunner.open({
      workspace: made.workspace.dir,
      hiddenDir: undefined,
    }),
  };
});
afterAll(async () => {
  await context.commands.close();
  remove();
});

function read(input: Record<string, unknown>) {
  return executeTool(context, "read_file", JSON.stringify(input));
}

it("answers the lines asked for, numbered", async () => {
  const outcome = await read({ path: "five.txt", start_line: 2, end_line: 3 });

  expect(outcome).toMatchObject({ ok: true, output: "2\ttwo\n3\tthree\n" });
});

it("reads from start_line to the end when no end_line is given", async () => {
  const outcome = await read({ path: "five.txt", start_line: 4 });

  expect(outcome.output).toBe("4\tfour\n5\tfive\n");
});

it("refuses a range beyond the file's end, saying how many lines it has", async () => {
  const outcome = await read({ path: "five.txt", start_line: 9 });

  expect(outcome.ok).toBe(false);
  expect(outcome.output).toContain("five.txt has 5 lines");
});

it("cuts a file longer than one call answers and says where to go on", async () => {
  const first = await read({ path: "long.txt" });
  const cutAt = Number(first.output.match(/\[cut at line (\d+) of/)?.[1]);
  const rest = await read({ path: "long.txt", start_line: cutAt + 1 });

  expect(first.ok).toBe(true);
  expect(first.output.length).toBeLessThanOrEqual(LIMITS.readChars + 200);
  expect(cutAt).toBeGreaterThan(400);
  expect(cutAt).toBeLessThan(1000);
  expect(first.output).toContain(
    `read long.txt from start_line ${cutAt + 1} for more`,
  );
  expect(rest.output.startsWith(`${cutAt + 1}\t${"x".repeat(99)}`)).toBe(true);
});

it("refuses a file over the size read_file opens, and a binary file", async () => {
  const huge = await read({ path: "huge.bin" });
  const binary = await read({ path: "binary.dat" });

  expect(huge.ok).toBe(false);
  expect(huge.output).toContain(
    `more than the ${LIMITS.readableBytes} read_file opens`,
  );
  expect(binary).toMatchObject({
    ok: false,
    output: "binary.dat is a binary file",
  });
});

it("refuses line numbers below 1 as wrong arguments", async () => {
  const outcome = await read({ path: "five.txt", start_line: 0 });

  expect(outcome.ok).toBe(false);
  expect(outcome.output).toContain("the arguments of read_file are wrong");
});
