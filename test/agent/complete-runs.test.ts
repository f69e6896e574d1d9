import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAnthropicFake } from "../fakes/fake-anthropic.ts";
import type { FakeModelServer, FakeReply } from "../fakes/fake-model-server.ts";
import { startOpenAiFake } from "../fakes/fake-openai.ts";
import type { TestServer } from "../helpers/test-server.ts";
import {
  fileAt,
  mergeRequestOf,
  runTicket,
  startAgentServer,
  stepOf,
  transcriptOf,
} from "./agent-fixture.ts";

const KEY = "sk-trigger-model-key-abcdefghijkl";
const SUMMARY = "Added `src/greeting.js`, which prints the greeting; ran it.";

/** The conversation of a model that writes a file, runs it, and stops. */
const CONVERSATION: FakeReply[] = [
  { toolCalls: [{ name: "list_files", arguments: {} }] },
  {
    text: "I will add the greeting.",
    toolCalls: [
      {
        name: "write_file",
        arguments: {
          path: "src/greeting.js",
          content: "console.log('hello from the agent');\n",
        },
      },
    ],
  },
  {
    toolCalls: [
      { name: "run_command", arguments: { command: "node src/greeting.js" } },
    ],
  },
  { text: SUMMARY },
];

let server: TestServer;
const fakes: Record<string, FakeModelServer> = {};

beforeAll(async () => {
  server = await startAgentServer();
  fakes["openai-compatible"] = await startOpenAiFake(KEY);
  fakes.anthropic = await startAnthropicFake(KEY);
});
afterAll(async () => {
  await server.close();
  for (const fake of Object.values(fakes)) await fake.close();
});

describe.each([
  ["openai-compatible", false],
  ["openai-compatible", true],
  ["anthropic", false],
  ["anthropic", true],
] as const)(
  "a complete run with the %s model (streamed: %s)",
  (kind, stream) => {
    it("commits the files the model wrote, opens the merge request with its summary and keeps a transcript", async () => {
      const fake = fakes[kind] as FakeModelServer;
      fake.requests.length = 0;
      fake.reply(...CONVERSATION);
      const project = await server.createProject();
      const trigger = await server.createTrigger(project.id, {
        model: {
          kind,
          name: kind === "anthropic" ? "claude-test" : "gpt-test",
          base_url: `${fake.url}/v1`,
          api_key: KEY,
          stream,
        },
        allowed_commands: ["node src/greeting.js"],
      });

      const run = await runTicket(server, project.id, trigger, {
        external_reference: `GREET-${kind}-${stream}`,
        title: "Print a greeting",
        description: "Add a script that prints a greeting.",
        context: { acceptance_criteria: ["Running it prints the greeting"] },
      });

      expect(run.status, run.error).toBe("succeeded");
      expect(
        await fileAt(server, project.id, run.branch, "src/greeting.js"),
      ).toBe("console.log('hello from the agent');\n");
      const mergeRequest = await mergeRequestOf(server, project.id, run);
      expect(mergeRequest.description).toContain(SUMMARY);
      expect(mergeRequest.description).not.toContain("Incomplete");

      expect(fake.requests).toHaveLength(4);
      for (const request of fake.requests) {
        expect(request.json.stream ?? false).toBe(stream);
        expect(request.path).toBe(
          kind === "anthropic" ? "/v1/messages" : "/v1/chat/completions",
        );
      }
      // The command's output went back to the model as the tool's result.
      expect(fake.requests[3]?.body).toContain("hello from the agent");

      const executed = stepOf(run, "executed");
      expect(executed.details).toMatchObject({
        executor: "agent",
        complete: true,
        model: `${kind}:${kind === "anthropic" ? "claude-test" : "gpt-test"}`,
        steps: 4,
        tool_calls: 3,
        files_written: 1,
      });
      expect(executed.details.tokens.input).toBeGreaterThan(400);

      const transcript = await transcriptOf(server, project.id, run.id);
      expect(transcript.map((entry) => entry.kind)).toEqual([
        "prompt",
        "model_call",
        "tool_call",
        "model_call",
        "tool_call",
        "model_call",
        "tool_call",
        "model_call",
        "finished",
      ]);
      expect(transcript[8]?.details.complete).toBe(true);
      expect(JSON.stringify(transcript)).not.toContain(KEY);
    });
  },
);

it("never answers the trigger's model key, only that one is set", async () => {
  const project = await server.createProject();
  const trigger = await server.createTrigger(project.id, {
    model: { kind: "anthropic", name: "claude-test", api_key: KEY },
  });
  const read = await server.admin(
    "GET",
    `/api/v4/projects/${project.id}/workflows/triggers/${trigger.id}`,
  );

  expect(read.body.model).toEqual({
    kind: "anthropic",
    name: "claude-test",
    api_key_set: true,
  });
  expect(JSON.stringify(read.body)).not.toContain(KEY);
  expect(JSON.stringify(trigger)).not.toContain(KEY);
});
