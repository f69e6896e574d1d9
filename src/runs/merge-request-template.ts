import { acceptanceCriteria } from "../tickets/ticket.ts";
import type { DescriptionInput } from "./merge-request-text.ts";

const INCOMPLETE =
  "> **Incomplete:** this merge request does not implement the ticket; " +
  "it holds what the workflow could do. Review before merging.";

/**
 * The merge request description from a workflow definition's template,
 * or the standard one when there is none. Placeholders: {summary},
 * {acceptance_criteria}, {external_reference}, {external_url}, {title},
 * {run_url}. The incomplete notice is added whatever the template says:
 * no template can hide that the work is unfinished.
 */
export function templatedDescription(
  template: string | undefined,
  input: DescriptionInput,
  standard: (input: DescriptionInput) => string,
): string {
  if (template === undefined) return standard(input);
  const { ticket } = input;
  const criteria = acceptanceCriteria(ticket)
    .map((item) => `- [ ] ${item.replace(/\s+/g, " ").trim()}`)
    .join("\n");
  const values: Record<string, string> = {
    summary: input.summary.trim(),
    acceptance_criteria:
      criteria || "_The ticket states no acceptance criteria._",
    external_reference: ticket.externalReference,
    external_url: ticket.externalUrl ?? "",
    title: ticket.title.replace(/\s+/g, " ").trim(),
    run_url: input.runUrl,
  };
  // One pass, so that a value holding "{summary}" stays as it is.
  const filled = template.replace(/\{([a-z_]+)\}/g, (match, name: string) =>
    Object.hasOwn(values, name) ? (values[name] ?? "") : match,
  );
  const notice = input.complete ? "" : `\n\n${INCOMPLETE}`;
  return `${filled.trim()}${notice}\n`;
}
