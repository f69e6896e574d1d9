import type {
  LanguageModelV3Prompt,
  LanguageModelV3ToolResultPart,
} from "@ai-sdk/provider";
import { CommandRunner } from "../../commands/command-runner.ts";
import type { ModelCall } from "../../models/model-client.ts";
import type { ModelToolCall, ModelTurn } from "../../models/model-turn.ts";
import type { WorkflowSettings } from "../../workflows/workflow-settings.ts";
import type { ExecutionInput, ExecutionResult } from "../executor.ts";
import { redactor } from "./redact.ts";
import { executeTool, toolSpecs } from "./tools/agent-tools.ts";
import type { Transcript } from "./transcript.ts";

export interface AgentModel {
  readonly endpoint: string;
  call(call: ModelCall): Promise<ModelTurn>;
}

export interface AgentLoopOptions {
  model: AgentModel;
  transcript: Transcript;
  workflow: WorkflowSettings;
  prompt: LanguageModelV3Prompt;
  commandTimeoutMs: number;
  /** The data directory, hidden from the allowed commands; undefined
   * when this machine cannot isolate them (namespace-isolation.ts). */
  hiddenDir?: string | undefined;
}

interface LoopTools {
  commands: CommandRunner;
  /** Known secrets out of a tool's output before the model sees it. */
  redactText: (text: string) => string;
}

interface Progress {
  steps: number;
  inputTokens: number;
  outputTokens: number;
  toolCalls: number;
  filesWritten: Set<string>;
  lastText: string;
}

/**
 * The agent's loop (DESIGN.md §7): ask the model, run the tools it calls,
 * give it their results, until it answers without a tool call. That
 * answer is the change summary. The budgets of steps, tokens and wall
 * time end the loop early with a reason instead.
 */
export async function runAgentLoop(
  input: ExecutionInput,
  options: AgentLoopOptions,
): Promise<ExecutionResult> {
  const { budgets } = options.workflow;
  const loopTools: LoopTools = {
    commands: await CommandRunner.open({
      workspace: input.workspace.dir,
      hiddenDir: options.hiddenDir,
    }),
    redactText: redactor(options.workflow.secrets).redactText,
  };
  const started = Date.now();
  const deadline = started + budgets.maxDurationMs;
  const wall = new AbortController();
  const timer = setTimeout(() => wall.abort(), budgets.maxDurationMs);
  const signal = AbortSignal.any([input.signal, wall.signal]);
  const prompt = [...options.prompt];
  const tools = toolSpecs();
  const progress: Progress = {
    steps: 0,
    inputTokens: 0,
    outputTokens: 0,
    toolCalls: 0,
    filesWritten: new Set(),
    lastText: "",
  };
  const finish = (result: Omit<ExecutionResult, "details">) => ({
    ...result,
    details: detailsOf(options, progress, Date.now() - started),
  });

  try {
    for (;;) {
      if (progress.steps >= budgets.maxSteps) {
        return finish(
          stopped(
            progress,
            `it used up its budget of ${budgets.maxSteps} steps`,
          ),
        );
      }
      progress.steps += 1;
      const callStarted = Date.now();
      const turn = await options.model.call({
        prompt,
        tools,
        signal,
        deadline,
      });
      progress.inputTokens += turn.inputTokens;
      progress.outputTokens += turn.outputTokens;
      if (turn.text.trim()) progress.lastText = turn.text;
      await options.transcript.record(
        "model_call",
        {
          step: progress.steps,
          endpoint: options.model.endpoint,
          messages: prompt.length,
          text: turn.text,
          tool_calls: turn.toolCalls,
          input_tokens: turn.inputTokens,
          output_tokens: turn.outputTokens,
          finish_reason: turn.finishReason,
        },
        Date.now() - callStarted,
      );

      if (turn.toolCalls.length === 0) {
        return finish({
          summary: turn.text.trim() || "The agent gave no summary.",
          complete: true,
        });
      }
      const used = progress.inputTokens + progress.outputTokens;
      if (used > budgets.maxTokens) {
        return finish(
          stopped(
            progress,
            `it used ${used} tokens, over its budget of ${budgets.maxTokens}`,
          ),
        );
      }

      prompt.push(assistantMessage(turn));
      const results: LanguageModelV3ToolResultPart[] = [];
      for (const call of turn.toolCalls) {
        results.push(
          await runTool(input, options, loopTools, signal, call, progress),
        );
      }
      prompt.push({ role: "tool", content: results });
    }
  } catch (error) {
    if (wall.signal.aborted && !input.signal.aborted) {
      const seconds = Math.round(budgets.maxDurationMs / 1000);
      return finish(
        stopped(progress, `it ran out of its time budget of ${seconds} s`),
      );
    }
    throw error;
  } finally {
    clearTimeout(timer);
    await loopTools.commands.close();
  }
}

async function runTool(
  input: ExecutionInput,
  options: AgentLoopOptions,
  loopTools: LoopTools,
  signal: AbortSignal,
  call: ModelToolCall,
  progress: Progress,
): Promise<LanguageModelV3ToolResultPart> {
  const started = Date.now();
  const outcome = await executeTool(
    {
      workspace: input.workspace,
      allowedCommands: options.workflow.allowedCommands,
      signal,
      commandTimeoutMs: options.commandTimeoutMs,
      commands: loopTools.commands,
    },
    call.name,
    call.input,
  );
  // A command or a file may print a secret this process knows (a key
  // committed to the repository, a token a script found): the model
  // never gets it, whatever the isolation.
  const output = loopTools.redactText(outcome.output);
  progress.toolCalls += 1;
  if (outcome.ok && call.name === "write_file") {
    const written = (outcome.input as { path?: unknown }).path;
    if (typeof written === "string") progress.filesWritten.add(written);
  }
  await options.transcript.record(
    "tool_call",
    {
      step: progress.steps,
      id: call.id,
      name: call.name,
      input: outcome.input ?? call.input,
      ok: outcome.ok,
      output,
    },
    Date.now() - started,
  );
  return {
    type: "tool-result",
    toolCallId: call.id,
    toolName: call.name,
    output: outcome.ok
      ? { type: "text", value: output }
      : { type: "error-text", value: output },
  };
}

/** The model's turn as the next request repeats it. */
function assistantMessage(turn: ModelTurn): LanguageModelV3Prompt[number] {
  return {
    role: "assistant",
    content: [
      ...(turn.text ? [{ type: "text" as const, text: turn.text }] : []),
      ...turn.toolCalls.map((call) => ({
        type: "tool-call" as const,
        toolCallId: call.id,
        toolName: call.name,
        // Arguments that were not JSON are sent back as an empty object:
        // every API wants an object here, and the tool's error result
        // tells the model what was wrong.
        input: parsedOrEmpty(call.input),
      })),
    ],
  };
}

function parsedOrEmpty(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" ? value : {};
  } catch {
    return {};
  }
}

function stopped(
  progress: Progress,
  reason: string,
): Omit<ExecutionResult, "details"> {
  const files = [...progress.filesWritten].sort();
  const lines = [
    `**The agent stopped before finishing:** ${reason}. What it did so ` +
      "far is committed on this branch; a developer has to complete it.",
    files.length > 0
      ? `Files it wrote:\n\n${files.map((file) => `- \`${file}\``).join("\n")}`
      : "It wrote no files.",
  ];
  if (progress.lastText.trim()) {
    lines.push(
      `Its last message:\n\n> ${progress.lastText.trim().replace(/\n/g, "\n> ")}`,
    );
  }
  return {
    summary: `${lines.join("\n\n")}\n`,
    complete: false,
    stopped: `the agent stopped before finishing: ${reason}`,
  };
}

function detailsOf(
  options: AgentLoopOptions,
  progress: Progress,
  durationMs: number,
): Record<string, unknown> {
  const { model } = options.workflow;
  return {
    model: `${model.kind}:${model.name ?? "?"}`,
    steps: progress.steps,
    tool_calls: progress.toolCalls,
    tokens: {
      input: progress.inputTokens,
      output: progress.outputTokens,
    },
    agent_duration_ms: durationMs,
    files_written: progress.filesWritten.size,
  };
}
