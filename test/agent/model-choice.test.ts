import { afterAll, beforeAll, expect, it } from "vitest";
import type { FakeModelServer } from "../fakes/fake-model-server.ts";
import { startOpenAiFake } from "../fakes/fake-openai.ts";
import type { TestServer } from "../helpers/test-server.ts";
import {
  fileAt,
  INSTANCE_KEY,
  runTicket,
  startAgentServer,
  transcriptOf,
} from "./agent-fixture.ts";

const TRIGGER_KEY = "sk-trigger-key-of-its-own-5566778899";

// The instance's model, chosen by the environment alone; the fake
// answers 401 to any other key.
let instanceModel: FakeModelServer;
// Endpoints a trigger names for itself: they take any key, or none.
let triggerModel: FakeModelServer;
let definitionModel: FakeModelServer;
let server: TestServer;

beforeAll(async () => {
  instanceModel = await startOpenAiFake(INSTANCE_KEY);
  triggerModel = await startOpenAiFake(undefined);
  definitionModel = await startOpenAiFake(undefined);
  server = await startAgentServer({
    FLOWGATE_MODEL: "openai-compatible",
    FLOWGATE_MODEL_BASE_URL: `${instanceModel.url}/v1`,
    FLOWGATE_MODEL_NAME: "instance-model-7b",
    FLOWGATE_MODEL_API_KEY: INSTANCE_KEY,
    FLOWGATE_MODEL_TIMEOUT_S: "1",
  });
});
afterAll(async () => {
  await server.close();
  for (const fake of [instanceModel, triggerModel, definitionModel]) {
    await fake.close();
  }
});

let tickets = 0;
function ticket() {
  tickets += 1;
  return { external_reference: `MODEL-${tickets}`, title: "Add a file" };
}

const WRITE = {
  toolCalls: [
    { name: "write_file", arguments: { path: "done.txt", content: "yes\n" } },
  ],
};

function headersOf(fake: FakeModelServer): string {
  return fake.requests.map((request) => JSON.stringify(request.headers)).join();
}

it("drives a run with the model the FLOWGATE_MODEL variables choose, when the trigger names none", async () => {
  const project = await server.createProject();
  const trigger = await server.createTrigger(project.id);
  instanceModel.requests.length = 0;
  instanceModel.reply(WRITE, { text: "Wrote done.txt." });

  const run = await runTicket(server, project.id, trigger, ticket());

  expect(run.status, run.error).toBe("succeeded");
  expect(instanceModel.requests).toHaveLength(2);
  expect(instanceModel.requests[0]?.path).toBe("/v1/chat/completions");
  expect(instanceModel.requests[0]?.headers.authorization).toBe(
    `Bearer ${INSTANCE_KEY}`,
  );
  expect(instanceModel.requests[0]?.json.model).toBe("instance-model-7b");
  expect(await fileAt(server, project.id, run.branch, "done.txt")).toBe(
    "yes\n",
  );
});

it("retries a model call that outlasts FLOWGATE_MODEL_TIMEOUT_S and finishes the run", async () => {
  const project = await server.createProject();
  const trigger = await server.createTrigger(project.id);
  instanceModel.requests.length = 0;
  instanceModel.reply({ hang: true }, { text: "Done after a hang." });

  const run = await runTicket(server, project.id, trigger, ticket());

  expect(run.status, run.error).toBe("succeeded");
  expect(instanceModel.requests).toHaveLength(2);
  const retries = (await transcriptOf(server, project.id, run.id)).filter(
    (entry) => entry.kind === "model_retry",
  );
  expect(retries).toHaveLength(1);
  expect(retries[0]?.details.error).toContain("did not answer within 1000 ms");
});

it("never sends the instance's key to a base_url the trigger names, with or without a key of its own", async () => {
  const project = await server.createProject();
  const keyless = await server.createTrigger(project.id, {
    model: { base_url: `${triggerModel.url}/v1` },
  });
  triggerModel.requests.length = 0;
  instanceModel.requests.length = 0;
  triggerModel.reply({ text: "Nothing to do." });

  const run = await runTicket(server, project.id, keyless, ticket());

  expect(run.status, run.error).toBe("succeeded");
  expect(triggerModel.requests).toHaveLength(1);
  // The instance's model name still applies; its key does not.
  expect(triggerModel.requests[0]?.json.model).toBe("instance-model-7b");
  expect(triggerModel.requests[0]?.headers.authorization).toBeUndefined();
  expect(headersOf(triggerModel)).not.toContain(INSTANCE_KEY);
  expect(instanceModel.requests).toHaveLength(0);
});

it("sends a workflow definition's own base_url the trigger's key, never the instance's", async () => {
  const project = await server.createProject();
  const trigger = await server.createTrigger(project.id, {
    model: { base_url: `${triggerModel.url}/v1`, api_key: TRIGGER_KEY },
    workflows: {
      developer: { model: { base_url: `${definitionModel.url}/v1` } },
    },
  });
  definitionModel.requests.length = 0;
  triggerModel.requests.length = 0;
  definitionModel.reply({ text: "Nothing to do." });

  const run = await runTicket(server, project.id, trigger, ticket());

  expect(run.status, run.error).toBe("succeeded");
  expect(triggerModel.requests).toHaveLength(0);
  expect(definitionModel.requests).toHaveLength(1);
  expect(definitionModel.requests[0]?.headers.authorization).toBe(
    `Bearer ${TRIGGER_KEY}`,
  );
  expect(headersOf(definitionModel)).not.toContain(INSTANCE_KEY);
});
