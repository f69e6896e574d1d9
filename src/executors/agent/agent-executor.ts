import type { ModelConfig } from "../../config/read-config.ts";
import { writeOfflinePlan } from "../../models/offline-plan.ts";
import { FatalJobError } from "../../queue/worker.ts";
import type { ExecutionInput, ExecutionResult, Executor } from "../executor.ts";

export type ModelKind = ModelConfig["kind"];

/**
 * Flowgate's own agent, working in a git workspace with the configured
 * model. This build has only the offline model, which writes a plan and
 * says the work is incomplete.
 */
export class AgentExecutor implements Executor {
  readonly name = "agent";
  private readonly model: ModelKind;

  constructor(model: ModelKind) {
    this.model = model;
  }

  async execute(input: ExecutionInput): Promise<ExecutionResult> {
    input.signal.throwIfAborted();

    if (this.model !== "offline") {
      // TODO: drive the openai-compatible and anthropic models with the
      // agent tools of DESIGN.md §7; until then the run fails loudly
      // rather than pretending to implement the ticket.
      throw new FatalJobError(
        `FLOWGATE_MODEL=${this.model} is not available in this build; ` +
          "set FLOWGATE_MODEL=offline",
      );
    }

    const plan = await writeOfflinePlan(
      input.workspace,
      input.ticket,
      input.signal,
    );
    return { summary: plan.summary, complete: false };
  }
}
