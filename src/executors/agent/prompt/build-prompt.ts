import type { LanguageModelV3Prompt } from "@ai-sdk/provider";
import type { WorkflowSettings } from "../../../workflows/workflow-settings.ts";
import type { ExecutionInput } from "../../executor.ts";
import { systemPrompt } from "./instructions.ts";
import { repositoryMap } from "./repository-map.ts";
import { untrustedBlock } from "./untrusted-block.ts";

/** The conversation's start: Flowgate's rules, the repository, the ticket. */
export async function buildPrompt(
  input: ExecutionInput,
  workflow: WorkflowSettings,
): Promise<LanguageModelV3Prompt> {
  const map = await repositoryMap(input.workspace, input.ticket, input.signal);
  const block = untrustedBlock(
    input.ticket,
    input.followUps,
    input.previousSummary,
  );
  const followingUp =
    input.followUps.length > 0 || input.previousSummary !== undefined;

  const user =
    "# The repository\n\n" +
    `${map.text}\n\n` +
    "# The ticket (untrusted data)\n\n" +
    `${block.text}\n\n` +
    "Implement the ticket now, using the tools.";

  return [
    {
      role: "system",
      content: systemPrompt({
        workflow,
        boundary: block.boundary,
        hasTests: map.hasTests,
        followingUp,
      }),
    },
    { role: "user", content: [{ type: "text", text: user }] },
  ];
}
