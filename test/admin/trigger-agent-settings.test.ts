import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/test-server.ts";

const KEY = "sk-settings-model-key-0123456789";

let server: TestServer;
let base: string;
let projectId: number;

beforeAll(async () => {
  server = await startTestServer();
  const project = await server.createProject();
  projectId = project.id;
  base = `/api/v4/projects/${project.id}/workflows/triggers`;
});
afterAll(async () => {
  await server.close();
});

async function storedKey(id: number) {
  const row = await server.app.store.db
    .selectFrom("triggers")
    .select(["model", "model_api_key"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  return row;
}

it("keeps the model key sealed, keeps it when the model is renamed, and drops it on request", async () => {
  const trigger = await server.createTrigger(projectId, {
    model: { kind: "openai-compatible", name: "gpt-a", api_key: KEY },
    allowed_commands: ["npm test"],
    budgets: { max_steps: 12 },
  });
  const stored = await storedKey(trigger.id);
  expect(stored.model_api_key).not.toContain(KEY);
  expect(server.app.secretBox.open(stored.model_api_key ?? "")).toBe(KEY);
  expect(stored.model).not.toContain(KEY);

  const renamed = await server.admin("PATCH", `${base}/${trigger.id}`, {
    model: { name: "gpt-b" },
  });
  expect(renamed.body.model).toEqual({
    kind: "openai-compatible",
    name: "gpt-b",
    api_key_set: true,
  });
  expect(renamed.body.allowed_commands).toEqual(["npm test"]);
  expect(renamed.body.budgets).toEqual({ max_steps: 12 });

  const keyless = await server.admin("PATCH", `${base}/${trigger.id}`, {
    model: { api_key: null },
  });
  expect(keyless.body.model.api_key_set).toBe(false);
  expect((await storedKey(trigger.id)).model_api_key).toBeNull();

  const cleared = await server.admin("PATCH", `${base}/${trigger.id}`, {
    model: null,
  });
  expect(cleared.body.model).toBeNull();
});

it.each([
  [{ model: { kind: "gpt" } }, "model.kind"],
  [{ model: { base_url: "ftp://models.example" } }, "model.base_url"],
  [{ allowed_commands: ['npm "test'] }, "allowed_commands.0"],
  [{ budgets: { max_steps: 0 } }, "budgets.max_steps"],
  [{ workflows: { Docs: {} } }, "workflows.Docs"],
  [{ workflows: { docs: { shell: "bash" } } }, "workflows.docs"],
  [
    { workflows: { docs: { model: { api_key: "sk-x" } } } },
    "workflows.docs.model",
  ],
])(
  "refuses the invalid agent setting %j naming the field",
  async (settings, field) => {
    const answer = await server.admin("POST", base, {
      source: "generic",
      ...settings,
    });

    expect(answer.status).toBe(400);
    expect(Object.keys(answer.body.errors)).toContain(field);
  },
);
