import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { FakeModelServer } from "../fakes/fake-model-server.ts";
import { startOpenAiFake } from "../fakes/fake-openai.ts";
import type { TestServer } from "../helpers/test-server.ts";
import {
  createProjectFrom,
  fileAt,
  runTicket,
  startAgentServer,
  transcriptOf,
} from "./agent-fixture.ts";

let server: TestServer;
let fake: FakeModelServer;
let outside: string;

beforeAll(async () => {
  server = await startAgentServer();
  fake = await startOpenAiFake(undefined);
  outside = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-outside-"));
  fs.writeFileSync(path.join(outside, "secret.txt"), "OUTSIDE-SECRET-42\n");
});
afterAll(async () => {
  await server.close();
  await fake.close();
  fs.rmSync(outside, { recursive: true, force: true });
});

const ATTEMPTS = [
  { name: "read_file", arguments: { path: "../secret.txt" } },
  { name: "read_file", arguments: { path: "/etc/passwd" } },
  { name: "read_file", arguments: { path: ".git/config" } },
  { name: "read_file", arguments: { path: "outside/secret.txt" } },
  { name: "write_file", arguments: { path: "../escaped.txt", content: "x" } },
  { name: "write_file", arguments: { path: "/tmp/escaped.txt", content: "x" } },
  { name: "write_file", arguments: { path: ".git/config", content: "x" } },
  {
    name: "write_file",
    arguments: { path: "outside/planted.txt", content: "x" },
  },
  { name: "list_files", arguments: { path: "../" } },
  { name: "run_command", arguments: { command: "rm -rf ." } },
  { name: "run_command", arguments: { command: "node slow.js" } },
];

it("refuses paths out of the workspace and disallowed or overlong commands, tells the model and finishes the run", async () => {
  const project = await createProjectFrom(
    server,
    { "README.md": "# Tools\n", "slow.js": "setInterval(() => {}, 1000);\n" },
    { outside },
  );
  const trigger = await server.createTrigger(project.id, {
    model: {
      kind: "openai-compatible",
      name: "gpt-test",
      base_url: `${fake.url}/v1`,
    },
    allowed_commands: ["node slow.js"],
    budgets: { command_timeout_s: 1 },
  });
  fake.requests.length = 0;
  fake.reply(
    { toolCalls: ATTEMPTS },
    {
      toolCalls: [
        {
          name: "write_file",
          arguments: { path: "notes.md", content: "ok\n" },
        },
      ],
    },
    { text: "Done, within the workspace." },
  );

  const run = await runTicket(server, project.id, trigger, {
    external_reference: "SAFE-1",
    title: "Try to escape",
  });

  expect(run.status, run.error).toBe("succeeded");
  const transcript = await transcriptOf(server, project.id, run.id);
  const results = transcript
    .filter((entry) => entry.kind === "tool_call")
    .slice(0, ATTEMPTS.length);
  expect(results.map((entry) => entry.details.ok)).toEqual(
    ATTEMPTS.map(() => false),
  );
  const outputs = results.map((entry) => entry.details.output as string);
  expect(outputs[0]).toContain("leaves the workspace");
  expect(outputs[1]).toContain("must be relative");
  expect(outputs[2]).toContain("inside a .git directory");
  expect(outputs[3]).toContain("leads outside the workspace");
  expect(outputs[4]).toContain("leaves the workspace");
  expect(outputs[5]).toContain("must be relative");
  expect(outputs[6]).toContain("inside a .git directory");
  expect(outputs[7]).toContain("leads outside the workspace");
  expect(outputs[8]).toContain("leaves the workspace");
  expect(outputs[9]).toContain("is not allowed");
  expect(outputs[10]).toContain("longer than the time limit of 1 s");

  // Every refusal went back to the model as an error result.
  const next = fake.requests[1]?.json;
  const toolMessages = next.messages.filter(
    (message: { role: string }) => message.role === "tool",
  );
  expect(toolMessages).toHaveLength(ATTEMPTS.length);
  expect(JSON.stringify(next)).not.toContain("OUTSIDE-SECRET-42");

  expect(fs.readdirSync(outside)).toEqual(["secret.txt"]);
  expect(fs.existsSync(path.join(os.tmpdir(), "escaped.txt"))).toBe(false);
  expect(await fileAt(server, project.id, run.branch, "notes.md")).toBe("ok\n");
});
