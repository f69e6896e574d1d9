import { afterAll, beforeAll, expect, it } from "vitest";
import type { FakeModelServer } from "../fakes/fake-model-server.ts";
import { startOpenAiFake } from "../fakes/fake-openai.ts";
import type { CreatedTrigger, TestServer } from "../helpers/test-server.ts";
import {
  fileAt,
  runTicket,
  startAgentServer,
  transcriptOf,
} from "./agent-fixture.ts";

const KEY = "sk-failures-model-key-0123456789";

let server: TestServer;
let fake: FakeModelServer;
let project: { id: number };
let trigger: CreatedTrigger;
let tickets = 0;

beforeAll(async () => {
  server = await startAgentServer();
  fake = await startOpenAiFake(KEY);
  project = await server.createProject();
  trigger = await server.createTrigger(project.id, {
    model: {
      kind: "openai-compatible",
      name: "gpt-test",
      base_url: `${fake.url}/v1`,
      api_key: KEY,
    },
  });
});
afterAll(async () => {
  await server.close();
  await fake.close();
});

function runOne() {
  tickets += 1;
  return runTicket(server, project.id, trigger, {
    external_reference: `FAIL-${tickets}`,
    title: "Survive a flaky model",
  });
}

const WRITE = {
  toolCalls: [
    { name: "write_file", arguments: { path: "done.txt", content: "yes\n" } },
  ],
};

it("finishes the run when the model answers 500 and then 200", async () => {
  fake.requests.length = 0;
  fake.reply({ status: 500 }, WRITE, { text: "Wrote done.txt." });

  const run = await runOne();

  expect(run.status, run.error).toBe("succeeded");
  expect(fake.requests).toHaveLength(3);
  expect(await fileAt(server, project.id, run.branch, "done.txt")).toBe(
    "yes\n",
  );
  const retries = (await transcriptOf(server, project.id, run.id)).filter(
    (entry) => entry.kind === "model_retry",
  );
  expect(retries).toHaveLength(1);
  expect(retries[0]?.details.error).toContain("answered 500");
});

it("waits as long as a 429's Retry-After says, then finishes the run", async () => {
  fake.requests.length = 0;
  fake.reply({ status: 429, headers: { "retry-after": "1" } }, WRITE, {
    text: "Wrote done.txt.",
  });
  const times: number[] = [];
  const started = Date.now();

  const run = await runOne();
  times.push(Date.now() - started);

  expect(run.status, run.error).toBe("succeeded");
  expect(fake.requests).toHaveLength(3);
  const retries = (await transcriptOf(server, project.id, run.id)).filter(
    (entry) => entry.kind === "model_retry",
  );
  expect(retries[0]?.details.delay_ms).toBe(1000);
  expect(times[0]).toBeGreaterThanOrEqual(1000);
});

it("answers malformed tool arguments with a tool error and goes on", async () => {
  fake.requests.length = 0;
  fake.reply(
    { toolCalls: [{ name: "write_file", arguments: '{"path": "a.txt", ' }] },
    { toolCalls: [{ name: "write_file", arguments: { path: 7 } }] },
    { toolCalls: [{ name: "delete_everything", arguments: {} }] },
    WRITE,
    { text: "Wrote done.txt after fixing my arguments." },
  );

  const run = await runOne();

  expect(run.status, run.error).toBe("succeeded");
  const calls = (await transcriptOf(server, project.id, run.id)).filter(
    (entry) => entry.kind === "tool_call",
  );
  expect(calls.map((entry) => entry.details.ok)).toEqual([
    false,
    false,
    false,
    true,
  ]);
  expect(calls[0]?.details.output).toContain("not valid JSON");
  expect(calls[1]?.details.output).toContain("path");
  expect(calls[2]?.details.output).toContain("no tool named");
  // The model saw the error as the result of its call.
  const second = fake.requests[1]?.json.messages.at(-1);
  expect(second).toMatchObject({ role: "tool" });
  expect(second.content).toContain("not valid JSON");
});

it("fails the run naming the endpoint, never the key, when the model keeps failing", async () => {
  fake.requests.length = 0;
  fake.reply({ status: 503, headers: { "retry-after": "0" } });

  const run = await runOne();

  expect(run.status).toBe("failed");
  expect(run.error).toContain(`${fake.url}/v1/chat/completions`);
  expect(run.error).toContain("after 4 attempts");
  expect(run.error).toContain("503");
  expect(run.error).not.toContain(KEY);
  expect(fake.requests).toHaveLength(4);
  fake.reply({ text: "Nothing left to do." });
});
