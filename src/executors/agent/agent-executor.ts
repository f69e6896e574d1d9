import type { LanguageModelV3Prompt } from "@ai-sdk/provider";
import type { Logger } from "pino";
import type { Clock } from "../../clock.ts";
import { probeIsolation } from "../../commands/namespace-isolation.ts";
import type { AgentBudgets, ModelConfig } from "../../config/read-config.ts";
import { assertEndpointAllowed } from "../../models/endpoint-policy.ts";
import { ModelClient } from "../../models/model-client.ts";
import { ModelError, ModelSettingsError } from "../../models/model-errors.ts";
import { DEFAULT_BASE_URLS } from "../../models/model-settings.ts";
import { writeOfflinePlan } from "../../models/offline-plan.ts";
import { createOutboundFetch } from "../../outbound/outbound-fetch.ts";
import type { OutboundPolicy } from "../../outbound/outbound-policy.ts";
import { FatalJobError } from "../../queue/worker.ts";
import type { Db } from "../../store/database.ts";
import { defaultWorkflow } from "../../workflows/default-workflow.ts";
import type { WorkflowSettings } from "../../workflows/workflow-settings.ts";
import type { ExecutionInput, ExecutionResult, Executor } from "../executor.ts";
import { runAgentLoop } from "./agent-loop.ts";
import { buildPrompt } from "./prompt/build-prompt.ts";
import { redactor } from "./redact.ts";
import { Transcript } from "./transcript.ts";

export interface AgentExecutorOptions {
  db: Db;
  /** The instance's model and budgets, for runs that set none. */
  model: ModelConfig;
  budgets: AgentBudgets;
  outboundAllowPrivate: boolean;
  /** FLOWGATE_OUTBOUND_ALLOW_HOSTS: a local model server's host:port. */
  outboundAllowHosts?: readonly string[];
  now: Clock;
  /** First retry delay of a failed model call; tests shorten it. */
  retryBaseDelayMs?: number | undefined;
  /** The data directory, which the allowed commands must not see; when
   * absent, they are not isolated from it. */
  dataDir?: string | undefined;
  logger?: Logger | undefined;
}

/**
 * Flowgate's own agent, working in a git workspace with the run's model:
 * the offline model writes a plan; the others drive the tools of
 * DESIGN.md §7 until the model gives its summary.
 */
export class AgentExecutor implements Executor {
  readonly name = "agent";
  readonly #options: AgentExecutorOptions;
  /** The directory commands run without, once the probe says they can. */
  readonly #hiddenDir: Promise<string | undefined>;

  constructor(options: AgentExecutorOptions) {
    this.#options = options;
    this.#hiddenDir = hiddenDirOf(options);
  }

  async execute(input: ExecutionInput): Promise<ExecutionResult> {
    input.signal.throwIfAborted();
    const workflow =
      input.workflow ??
      defaultWorkflow(input.ticket.workflowType ?? "developer", {
        model: this.#options.model,
        budgets: this.#options.budgets,
      });

    if (workflow.model.kind === "offline") {
      const plan = await writeOfflinePlan(
        input.workspace,
        input.ticket,
        input.signal,
      );
      return { summary: plan.summary, complete: false };
    }
    return this.#withModel(input, workflow);
  }

  async #withModel(
    input: ExecutionInput,
    workflow: WorkflowSettings,
  ): Promise<ExecutionResult> {
    const { model } = workflow;
    const transcript = new Transcript(
      this.#options.db,
      input.runId,
      workflow.secrets,
      this.#options.now,
    );
    const policy: OutboundPolicy = {
      allowPrivate: this.#options.outboundAllowPrivate,
      allowedHosts: this.#options.outboundAllowHosts ?? [],
    };
    // Model calls obey the outbound policy where each connection is made;
    // the run's own connections close with it.
    const outbound = createOutboundFetch(policy, {
      timeoutMs: model.timeoutMs,
    });
    try {
      return await this.#withClient(input, workflow, transcript, {
        policy,
        fetch: outbound.fetch,
      });
    } finally {
      await outbound.close();
    }
  }

  async #withClient(
    input: ExecutionInput,
    workflow: WorkflowSettings,
    transcript: Transcript,
    outbound: { policy: OutboundPolicy; fetch: typeof globalThis.fetch },
  ): Promise<ExecutionResult> {
    const { model } = workflow;
    let client: ModelClient;
    try {
      await assertEndpointAllowed(
        model.baseUrl ?? DEFAULT_BASE_URLS[model.kind as "anthropic"],
        outbound.policy,
      );
      client = new ModelClient(model, {
        fetch: outbound.fetch,
        baseDelayMs: this.#options.retryBaseDelayMs,
        onRetry: (notice) =>
          transcript.record("model_retry", {
            attempt: notice.attempt,
            error: notice.error.message,
            delay_ms: notice.delayMs,
          }),
      });
    } catch (error) {
      // No retry mends a setting: the run fails at once, saying which.
      if (error instanceof ModelSettingsError) {
        throw new FatalJobError(error.message, { cause: error });
      }
      throw error;
    }

    await transcript.begin();
    // The README or a related file may hold a secret someone committed.
    const prompt = redactor(workflow.secrets).redact(
      await buildPrompt(input, workflow),
    ) as LanguageModelV3Prompt;
    await transcript.record("prompt", {
      model: `${model.kind}:${model.name}`,
      endpoint: client.endpoint,
      stream: model.stream,
      workflow: workflow.type,
      defined_by: workflow.definedBy,
      messages: prompt,
    });

    try {
      const result = await runAgentLoop(input, {
        model: client,
        transcript,
        workflow,
        prompt,
        commandTimeoutMs: workflow.budgets.commandTimeoutMs,
        hiddenDir: await this.#hiddenDir,
      });
      await transcript.record(result.stopped ? "stopped" : "finished", {
        complete: result.complete,
        ...(result.stopped ? { reason: result.stopped } : {}),
        ...result.details,
      });
      return result;
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
      await transcript.record("stopped", { reason: error.message });
      // The model kept failing: a clear run error, not a retry of the
      // whole agent from the start.
      throw new FatalJobError(error.message, { cause: error });
    }
  }
}

/**
 * Probes once whether commands can run in namespaces that hide the data
 * directory; when they cannot, says so once, with what to do instead.
 */
async function hiddenDirOf(
  options: AgentExecutorOptions,
): Promise<string | undefined> {
  const { dataDir, logger } = options;
  if (dataDir === undefined) return undefined;
  const probe = await probeIsolation();
  if (probe.available) {
    logger?.debug({ data_dir: dataDir }, "agent commands run isolated");
    return dataDir;
  }
  logger?.warn(
    {
      reason: probe.reason,
      needs:
        "unprivileged user and mount namespaces " +
        "(unshare --user --map-root-user --mount)",
    },
    "the agent's allowed commands are not isolated: they can read the " +
      "data directory (admin token, secret key, database) and every other " +
      "file Flowgate's user can; allow no commands, or run Flowgate in a " +
      "container or as a user of its own",
  );
  return undefined;
}
