import type { FollowUp } from "../executors/executor.ts";
import { acceptanceCriteria, type Ticket } from "../tickets/ticket.ts";

/** `{external_reference}: {title}`, so that Jira links the commit. */
export function mergeRequestTitle(ticket: Ticket): string {
  return `${ticket.externalReference}: ${oneLine(ticket.title)}`;
}

export function commitMessage(ticket: Ticket, runUrl: string): string {
  return `${mergeRequestTitle(ticket)}\n\nFlowgate-Run: ${runUrl}\n`;
}

/** A follow-up as the merge request description shows it. */
export interface RecordedFollowUp extends FollowUp {
  id: number;
}

export interface DescriptionInput {
  ticket: Ticket;
  followUps?: readonly RecordedFollowUp[];
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
  sections.push(...(input.followUps ?? []).map(followUpSection));
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

const MARKER = (id: number) => `<!-- flowgate-follow-up:${id} -->`;

/**
 * One section per follow-up instruction, marked with its id so that a
 * retried run adds none twice. The instruction is ticket text: quoted,
 * never made part of the description's own markup.
 */
export function followUpSection(followUp: RecordedFollowUp): string {
  const who = followUp.author ? ` from ${oneLine(followUp.author)}` : "";
  const quoted = followUp.instruction
    .split(/\r?\n/)
    .map((line) => `> ${line}`.trimEnd())
    .join("\n");
  return `## Follow-up${who}\n${MARKER(followUp.id)}\n\n${quoted}`;
}

/** The description with a section for each follow-up it lacks. */
export function withFollowUps(
  description: string,
  followUps: readonly RecordedFollowUp[],
): string {
  const missing = followUps.filter(
    (followUp) => !description.includes(MARKER(followUp.id)),
  );
  if (missing.length === 0) return description;
  return `${description.trimEnd()}\n\n${missing.map(followUpSection).join("\n\n")}\n`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
