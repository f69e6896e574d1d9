import { acceptanceCriteria } from "../../tickets/ticket.ts";
import type { RemoteExecutionInput } from "../executor.ts";

/** The variable that carries the request's key, to find the pipeline
 * again when the trigger's answer was lost. */
export const REQUEST_KEY_VARIABLE = "FLOWGATE_REQUEST_KEY";

/** The ticket's variable: a file variable, whose value GitLab writes
 * to a file and whose name holds that file's path in the job. */
export const TICKET_VARIABLE = "FLOWGATE_TICKET";

/** One variable of `POST /projects/:id/pipeline`. */
export interface PipelineVariable {
  key: string;
  value: string;
  variable_type: "env_var" | "file";
}

/**
 * What a created pipeline is told of the run (docs/gitlab-executors.md):
 * plain values as environment variables, the whole ticket as JSON in a
 * file variable. GitLab expands `$NAME` in a pipeline's variables, so
 * ticket text could read the project's CI/CD variables into the job:
 * the ticket's JSON spells `$` as the JSON escape \u0024 (it parses
 * back to the same text), and the plain values as `$$`, which GitLab
 * makes `$`.
 */
export function pipelineVariables(
  input: RemoteExecutionInput,
  requestKey: string,
): PipelineVariable[] {
  const plain: Record<string, string> = {
    FLOWGATE_RUN_ID: String(input.runId),
    [REQUEST_KEY_VARIABLE]: requestKey,
    FLOWGATE_EXTERNAL_REFERENCE: literal(input.ticket.externalReference),
    FLOWGATE_SOURCE_BRANCH: literal(input.branch),
    FLOWGATE_TARGET_BRANCH: literal(input.project.defaultBranch),
  };
  return [
    ...Object.entries(plain).map(
      ([key, value]): PipelineVariable => ({
        key,
        value,
        variable_type: "env_var",
      }),
    ),
    { key: TICKET_VARIABLE, value: ticketJson(input), variable_type: "file" },
  ];
}

/** The ticket as the job reads it: untrusted data, never a script. */
function ticketJson(input: RemoteExecutionInput): string {
  const { ticket } = input;
  const data = {
    run_id: input.runId,
    workflow_type: ticket.workflowType ?? null,
    external_reference: ticket.externalReference,
    external_system: ticket.externalSystem,
    external_url: ticket.externalUrl ?? null,
    title: ticket.title,
    description: ticket.description,
    acceptance_criteria: acceptanceCriteria(ticket),
    context: ticket.context,
    follow_ups: input.followUps.map((followUp) => ({
      instruction: followUp.instruction,
      author: followUp.author ?? null,
    })),
    previous_run_summary: input.previousSummary ?? null,
  };
  return JSON.stringify(data).replaceAll("$", "\\u0024");
}

function literal(value: string): string {
  return value.replaceAll("$", "$$$$");
}
