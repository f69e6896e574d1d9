import { randomBytes } from "node:crypto";
import { acceptanceCriteria, type Ticket } from "../../../tickets/ticket.ts";
import type { FollowUp } from "../../executor.ts";

export interface UntrustedBlock {
  /** The line that opens the block; the closing line names it too. */
  boundary: string;
  text: string;
}

/**
 * The ticket, its follow-ups and the previous run's summary as one block
 * of data. The boundary holds a random nonce the ticket cannot know, so
 * no text inside can close the block early; the data is JSON, so no text
 * inside can pass for a heading of the prompt either.
 */
export function untrustedBlock(
  ticket: Ticket,
  followUps: readonly FollowUp[],
  previousSummary: string | undefined,
): UntrustedBlock {
  const nonce = randomBytes(12).toString("hex");
  const boundary = `UNTRUSTED-TICKET-DATA-${nonce}`;
  const { acceptance_criteria: _criteria, ...context } = ticket.context;
  const data = {
    external_reference: ticket.externalReference,
    external_system: ticket.externalSystem,
    external_url: ticket.externalUrl ?? null,
    title: ticket.title,
    description: ticket.description,
    acceptance_criteria: acceptanceCriteria(ticket),
    context,
    ...(previousSummary === undefined
      ? {}
      : { previous_run_summary: previousSummary }),
    ...(followUps.length === 0
      ? {}
      : {
          follow_ups: followUps.map((followUp) => ({
            instruction: followUp.instruction,
            author: followUp.author ?? null,
          })),
        }),
  };
  const text =
    `<<<BEGIN ${boundary}>>>\n` +
    `${JSON.stringify(data, null, 2)}\n` +
    `<<<END ${boundary}>>>`;
  return { boundary, text };
}
