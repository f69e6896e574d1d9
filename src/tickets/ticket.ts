/**
 * The generic ticket every source is normalized into (DESIGN.md §4.1).
 * Its text is untrusted: it is data for the workflow, never instructions.
 */
export interface Ticket {
  workflowType: string | undefined;
  title: string;
  description: string;
  externalReference: string;
  externalUrl: string | undefined;
  externalSystem: string;
  /** Extra keys the sender passed; `acceptance_criteria` among them. */
  context: Record<string, unknown>;
}

/** Acceptance criteria as a list, whether sent as a string or an array. */
export function acceptanceCriteria(ticket: Pick<Ticket, "context">): string[] {
  const value = ticket.context.acceptance_criteria;
  if (Array.isArray(value)) {
    return value.filter((item): item is string => typeof item === "string");
  }
  if (typeof value !== "string" || value.trim() === "") return [];
  return value
    .split(/\r?\n/)
    .map((line) =>
      line.replace(/^\s*(?:[-*+]|\d+[.)])?\s*(?:\[[ xX]\]\s*)?/, ""),
    )
    .map((line) => line.trim())
    .filter((line) => line !== "");
}
