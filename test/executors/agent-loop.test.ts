import { afterEach, beforeEach, expect, it } from "vitest";
import { readConfig } from "../../src/config/read-config.ts";
import {
  type AgentModel,
  runAgentLoop,
} from "../../src/executors/agent/agent-loop.ts";
import type { Transcript } from "../../src/executors/agent/transcript.ts";
import type { ExecutionInput } from "../../src/executors/executor.ts";
import { defaultWorkflow } from "../../src/workflows/default-workflow.ts";
import {
  createForgeFixture,
  type ForgeFixture,
} from "../forges/local/forge-fixture.ts";

let fixture: ForgeFixture;
let input: ExecutionInput;
const transcript = { record: async () => {} } as unknown as Transcript;

beforeEach(async () => {
  fixture = await createForgeFixture();
  const { workspace } = await fixture.forge.checkout(
    fixture.project,
    fixture.workDir("loop"),
    "ai/LOOP-1",
  );
  input = {
    runId: 1,
    workspace,
    signal: new AbortController().signal,
    ticket: {
      workflowType: "developer",
      title: "Slow",
      description: "",
      externalReference: "LOOP-1",
      externalUrl: undefined,
      externalSystem: "generic",
      context: {},
    },
    followUps: [],
    previousSummary: undefined,
  };
});
afterEach(async () => {
  await fixture.close();
});

/** A model that writes a file, then never answers until aborted. */
function slowModel(): AgentModel {
  let calls = 0;
  return {
    endpoint: "http://model.test/v1/chat/completions",
    call: ({ signal }) => {
      calls += 1;
      if (calls === 1) {
        return Promise.resolve({
          text: "",
          toolCalls: [
            {
              id: "call_1",
              name: "write_file",
              input: '{"path": "started.txt", "content": "x"}',
            },
          ],
          inputTokens: 10,
          outputTokens: 5,
          finishReason: "tool-calls",
        });
      }
      return new Promise((_resolve, reject) => {
        signal.addEventListener("abort", () => reject(signal.reason), {
          once: true,
        });
      });
    },
  };
}

it("stops with the time budget's reason when the model outlasts it, keeping what was written", async () => {
  const config = readConfig({});
  const workflow = defaultWorkflow("developer", {
    model: config.model,
    budgets: { ...config.agentBudgets, maxDurationMs: 300 },
  });

  const result = await runAgentLoop(input, {
    model: slowModel(),
    transcript,
    workflow,
    prompt: [{ role: "system", content: "test" }],
    commandTimeoutMs: 1000,
  });

  expect(result.complete).toBe(false);
  expect(result.stopped).toContain("ran out of its time budget");
  expect(result.summary).toContain("`started.txt`");
  expect(await input.workspace.readFile("started.txt")).toBe("x");
});

it("lets a canceled run's abort through instead of calling it a budget", async () => {
  const controller = new AbortController();
  const config = readConfig({});
  const running = runAgentLoop(
    { ...input, signal: controller.signal },
    {
      model: slowModel(),
      transcript,
      workflow: defaultWorkflow("developer", {
        model: config.model,
        budgets: config.agentBudgets,
      }),
      prompt: [{ role: "system", content: "test" }],
      commandTimeoutMs: 1000,
    },
  );
  setTimeout(() => controller.abort(new Error("run canceled")), 100);

  await expect(running).rejects.toThrow("run canceled");
});
