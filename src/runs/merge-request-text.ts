import { acceptanceCriteria, type Ticket } from "../tickets/ticket.ts";

/** `{external_reference}: {title}`, so that Jira links the commit. */
export function mergeRequestTitle(ticket: Ticket): string {
  return `${ticket.externalReference}: ${oneLine(ticket.title)}`;
}

export function commitMessage(ticket: Ticket, runUrl: string): string {
  return `${mergeRequestTitle(ticket)}\n\nFlowgate-Run: ${runUrl}\n`;
}

export interface DescriptionInput {
  ticket: Ticket;
  summary: string;
  complete: boolean;
  runId: number;
  runUrl: string;
}

/** Links the ticket, lists its acceptance criteria and sums up the change. */
export function mergeRequestDescription(input: DescriptionInput): string {
  const { ticket } = input;
  const reference = ticket.externalUrl
    ? `[${ticket.externalReference}](${ticket.externalUrl})`
    : ticket.externalReference;
  const criteria = acceptanceCriteria(ticket);

  const sections = [
    `Ticket: ${reference} (${ticket.externalSystem})`,
    "## Acceptance criteria",
    criteria.length > 0
      ? criteria.map((item) => `- [ ] ${oneLine(item)}`).join("\n")
      : "_The ticket states no acceptance criteria._",
    "## Summary",
    input.summary.trim(),
  ];
  if (!input.complete) {
    sections.push(
      "> **Incomplete:** this merge request does not implement the ticket; " +
        "it holds what the workflow could do. Review before merging.",
    );
  }
  sections.push(
    `---\nOpened by Flowgate run [${input.runId}](${input.runUrl}).`,
  );
  return `${sections.join("\n\n")}\n`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
