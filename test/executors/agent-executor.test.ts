import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readConfig } from "../../src/config/read-config.ts";
import { AgentExecutor } from "../../src/executors/agent/agent-executor.ts";
import type { ExecutionInput } from "../../src/executors/executor.ts";
import {
  createForgeFixture,
  type ForgeFixture,
  git,
} from "../forges/local/forge-fixture.ts";

let fixture: ForgeFixture;
let input: ExecutionInput;

beforeEach(async () => {
  fixture = await createForgeFixture();
  const { workspace } = await fixture.forge.checkout(
    fixture.project,
    fixture.workDir("agent"),
    "ai/PROJ-7",
  );
  input = {
    runId: 1,
    workspace,
    signal: new AbortController().signal,
    ticket: {
      workflowType: "developer",
      title: "Show prices with VAT",
      description: "Prices include VAT in the cart.",
      externalReference: "PROJ-7",
      externalUrl: undefined,
      externalSystem: "generic",
      context: { acceptance_criteria: ["Cart shows VAT"] },
    },
    followUps: [],
    previousSummary: undefined,
  };
});
afterEach(async () => {
  await fixture.close();
});

function offlineAgent(): AgentExecutor {
  const config = readConfig({});
  return new AgentExecutor({
    db: fixture.store.db,
    model: config.model,
    budgets: config.agentBudgets,
    outboundAllowPrivate: false,
    now: () => new Date(),
  });
}

async function changedFiles(): Promise<string> {
  return git(input.workspace.dir, "status", "--porcelain");
}

describe("AgentExecutor", () => {
  it("writes the offline plan and reports the work incomplete", async () => {
    const executor = offlineAgent();

    const result = await executor.execute(input);

    expect(executor.name).toBe("agent");
    expect(result.complete).toBe(false);
    expect(result.summary).toContain("no feature code was written");
    expect(await changedFiles()).toBe("?? docs/");
    const plan = await input.workspace.readFile("docs/plans/PROJ-7.md");
    expect(plan).toContain("- [ ] Cart shows VAT");
  });

  it("does nothing once the run is aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("run canceled"));

    const running = offlineAgent().execute({
      ...input,
      signal: controller.signal,
    });

    await expect(running).rejects.toThrow("run canceled");
    expect(await changedFiles()).toBe("");
  });
});
