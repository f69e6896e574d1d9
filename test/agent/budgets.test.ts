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
