import { afterAll, beforeAll, expect, it } from "vitest";
import { readConfig } from "../../src/config/read-config.ts";
import { AgentExecutor } from "../../src/executors/agent/agent-executor.ts";
import { runGit } from "../../src/git/run-git.ts";
import { defaultWorkflow } from "../../src/workflows/default-workflow.ts";
import type { FakeModelServer } from "../fakes/fake-model-server.ts";
import { startOpenAiFake } from "../fakes/fake-openai.ts";
import { createForgeFixture } from "../forges/local/forge-fixture.ts";
import type { TestServer } from "../helpers/test-server.ts";
import {
  fileAt,
  mergeRequestOf,
  runTicket,
  startAgentServer,
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

function writing(file: string, summary: string) {
  return [
    {
      toolCalls: [
        { name: "write_file", arguments: { path: file, content: `${file}\n` } },
      ],
    },
    { text: summary },
  ];
}

it("adds a follow-up's commit to the existing merge request instead of opening a new one", async () => {
  const project = await server.createProject();
  const trigger = await server.createTrigger(project.id, {
    model: {
      kind: "openai-compatible",
      name: "gpt-test",
      base_url: `${fake.url}/v1`,
    },
  });
  const ticket = { external_reference: "FOLLOW-1", title: "Two steps" };

  fake.reply(...writing("first.txt", "Wrote the first file."));
  const first = await runTicket(server, project.id, trigger, ticket);
  fake.reply(...writing("second.txt", "Wrote the second file."));
  const second = await runTicket(server, project.id, trigger, {
    ...ticket,
    description: "Now the second file too.",
  });

  expect(first.status, first.error).toBe("succeeded");
  expect(second.status, second.error).toBe("succeeded");
  expect(second.id).not.toBe(first.id);
  expect(second.branch).toBe(first.branch);
  expect(second.merge_request.iid).toBe(first.merge_request.iid);
  const open = await server.admin(
    "GET",
    `/api/v4/projects/${project.id}/merge_requests?state=opened`,
  );
  expect(open.body).toHaveLength(1);
  expect(await fileAt(server, project.id, second.branch, "first.txt")).toBe(
    "first.txt\n",
  );
  expect(await fileAt(server, project.id, second.branch, "second.txt")).toBe(
    "second.txt\n",
  );
  const compare = await server.admin(
    "GET",
    `/api/v4/projects/${project.id}/repository/compare?from=main&to=${encodeURIComponent(second.branch)}`,
  );
  expect(compare.body.commits).toHaveLength(2);
  const description = (await mergeRequestOf(server, project.id, second))
    .description;
  expect(description).toContain("Wrote the first file.");
  expect(description).toContain(`## Run [${second.id}]`);
  expect(
    description.slice(description.indexOf(`## Run [${second.id}]`)),
  ).toContain("Wrote the second file.");
  expect(description).not.toContain("**Incomplete:**");
});

it("gives the model the follow-up instructions and the previous summary inside the untrusted block", async () => {
  const fixture = await createForgeFixture();
  try {
    const { workspace } = await fixture.forge.checkout(
      fixture.project,
      fixture.workDir("follow-up"),
      "ai/PROJ-9",
    );
    const config = readConfig({});
    const workflow = defaultWorkflow("developer", {
      model: {
        ...config.model,
        kind: "openai-compatible",
        name: "gpt-test",
        baseUrl: `${fake.url}/v1`,
      },
      budgets: config.agentBudgets,
    });
    const runId = Number(
      (
        await fixture.store.db
          .insertInto("runs")
          .values({
            project_id: fixture.project.id,
            trigger_id: null,
            workflow_type: "developer",
            executor: "agent",
            external_system: "generic",
            external_reference: "PROJ-9",
            external_url: null,
            title: "Prices",
            description: "",
            context: "{}",
            status: "running",
            branch: null,
            merge_request_iid: null,
            error: null,
            received_at: new Date().toISOString(),
            verified_at: new Date().toISOString(),
            admission: "{}",
            created_at: new Date().toISOString(),
            started_at: null,
            finished_at: null,
          })
          .returning("id")
          .executeTakeFirstOrThrow()
      ).id,
    );
    fake.requests.length = 0;
    fake.reply({ text: "Rounded the prices as asked." });
    const agent = new AgentExecutor({
      db: fixture.store.db,
      model: config.model,
      budgets: config.agentBudgets,
      outboundAllowPrivate: true,
      now: () => new Date(),
    });

    const result = await agent.execute({
      runId,
      workspace,
      signal: new AbortController().signal,
      ticket: {
        workflowType: "developer",
        title: "Prices",
        description: "Show prices.",
        externalReference: "PROJ-9",
        externalUrl: undefined,
        externalSystem: "generic",
        context: {},
      },
      followUps: [{ instruction: "FOLLOWMARK round to cents", author: "ann" }],
      previousSummary: "PREVMARK added the price list",
      workflow,
    });

    expect(result).toMatchObject({
      complete: true,
      summary: "Rounded the prices as asked.",
    });
    const [request] = fake.requests;
    const [system, user] = request?.json.messages ?? [];
    expect(system.content).toContain("This run continues earlier work");
    const block = /<<<BEGIN (\S+)>>>([\s\S]*)<<<END \1>>>/.exec(user.content);
    const data = JSON.parse(block?.[2] ?? "{}");
    expect(data.follow_ups).toEqual([
      { instruction: "FOLLOWMARK round to cents", author: "ann" },
    ]);
    expect(data.previous_run_summary).toBe("PREVMARK added the price list");
    expect(user.content.replace(block?.[0] ?? "", "")).not.toMatch(
      /FOLLOWMARK|PREVMARK/,
    );
    expect(
      await runGit(["status", "--porcelain"], { cwd: workspace.dir }),
    ).toBe("");
  } finally {
    await fixture.close();
  }
});
