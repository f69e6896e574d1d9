import { afterAll, beforeAll, expect, it } from "vitest";
import type { FakeModelServer } from "../fakes/fake-model-server.ts";
import { startOpenAiFake } from "../fakes/fake-openai.ts";
import type { TestServer } from "../helpers/test-server.ts";
import {
  fileAt,
  mergeRequestOf,
  runTicket,
  startAgentServer,
  stepOf,
} from "./agent-fixture.ts";

let server: TestServer;
let fake: FakeModelServer;

beforeAll(async () => {
  server = await startAgentServer();
  fake = await startOpenAiFake(undefined);
});
afterAll(async () => {
  await server.close();
  await fake.close();
});

function writing(file: string) {
  return {
    toolCalls: [
      { name: "write_file", arguments: { path: file, content: `${file}\n` } },
    ],
  };
}

it.each([
  [{ max_steps: 2 }, "it used up its budget of 2 steps"],
  [{ max_tokens: 1000 }, "over its budget of 1000"],
])(
  "fails the run with the reason when the budget %j runs out, keeping the partial branch and an incomplete merge request",
  async (budgets, reason) => {
    const project = await server.createProject();
    const trigger = await server.createTrigger(project.id, {
      model: {
        kind: "openai-compatible",
        name: "gpt-test",
        base_url: `${fake.url}/v1`,
      },
      budgets,
    });
    fake.reply(
      writing("part-1.txt"),
      writing("part-2.txt"),
      writing("more.txt"),
    );

    const run = await runTicket(server, project.id, trigger, {
      external_reference: `BUDGET-${Object.keys(budgets)[0]}`,
      title: "A ticket too big for its budget",
    });

    expect(run.status).toBe("failed");
    expect(run.error).toContain("the agent stopped before finishing");
    expect(run.error).toContain(reason);
    expect(await fileAt(server, project.id, run.branch, "part-1.txt")).toBe(
      "part-1.txt\n",
    );
    const mergeRequest = await mergeRequestOf(server, project.id, run);
    expect(mergeRequest.draft).toBe(true);
    expect(mergeRequest.description).toContain("**Incomplete:**");
    expect(mergeRequest.description).toContain(reason);
    expect(mergeRequest.description).toContain("`part-1.txt`");
    expect(stepOf(run, "executed").details.stopped).toContain(reason);
    expect(stepOf(run, "finished").details).toMatchObject({
      status: "failed",
    });
  },
);

it("says in the open merge request why a continuing run stopped, with the Incomplete notice", async () => {
  const project = await server.createProject();
  const trigger = await server.createTrigger(project.id, {
    model: {
      kind: "openai-compatible",
      name: "gpt-test",
      base_url: `${fake.url}/v1`,
    },
  });
  const ticket = { external_reference: "BUDGET-FOLLOW", title: "Two runs" };
  fake.reply(writing("first.txt"), { text: "Wrote the first file." });
  const first = await runTicket(server, project.id, trigger, ticket);
  expect(first.status, first.error).toBe("succeeded");
  const before = await mergeRequestOf(server, project.id, first);
  expect(before.description).not.toContain("**Incomplete:**");

  const patched = await server.admin(
    "PATCH",
    `/api/v4/projects/${project.id}/workflows/triggers/${trigger.id}`,
    { budgets: { max_steps: 1 } },
  );
  expect(patched.status, JSON.stringify(patched.body)).toBe(200);
  fake.reply(writing("second.txt"), writing("third.txt"));
  const second = await runTicket(server, project.id, trigger, {
    ...ticket,
    description: "Now more files.",
  });

  expect(second.status).toBe("failed");
  expect(second.error).toContain("it used up its budget of 1 steps");
  expect(second.merge_request.iid).toBe(first.merge_request.iid);
  expect(await fileAt(server, project.id, second.branch, "second.txt")).toBe(
    "second.txt\n",
  );
  const after = await mergeRequestOf(server, project.id, second);
  const section = after.description.slice(
    after.description.indexOf(`## Run [${second.id}]`),
  );
  expect(after.description).toContain("Wrote the first file.");
  expect(section).toContain(`## Run [${second.id}]`);
  expect(section).toContain("**The agent stopped before finishing:**");
  expect(section).toContain("`second.txt`");
  expect(section).toContain(
    "> **Incomplete:** the agent stopped before finishing: it used up " +
      "its budget of 1 steps.",
  );
});
