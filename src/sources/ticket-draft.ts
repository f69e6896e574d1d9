import { Refusal } from "../ingress/refusal.ts";
import type { Ticket } from "../tickets/ticket.ts";
import {
  describeFieldErrors,
  fieldErrors,
} from "../validation/field-errors.ts";
import { genericPayload, MAX_CONTEXT_BYTES } from "./generic/payload.ts";
import { acceptanceSection } from "./markup/acceptance-section.ts";

/** Ticket text limits: a provider's fields are untrusted and unbounded. */
export const MAX_TITLE_CHARS = 255;
export const MAX_DESCRIPTION_CHARS = 256 * 1024;
const MAX_CRITERIA = 100;
const MAX_CRITERION_CHARS = 2_000;
const MAX_LABELS = 50;
const MAX_FIELD_CHARS = 255;

/** A provider's ticket, read from its payload, before limits apply. */
export interface TicketDraft {
  externalReference: string;
  externalUrl: string | undefined;
  title: string;
  /** Markdown. */
  description: string;
  /** From a field that holds them; else read from the description. */
  acceptanceCriteria?: string[] | undefined;
  priority?: string | undefined;
  labels?: string[] | undefined;
  assignee?: string | undefined;
  status?: string | undefined;
  reporter?: string | undefined;
  /** The provider's name for the event, e.g. `issues.labeled`. */
  eventKind: string;
}

/**
 * Turns a draft into the generic ticket, cutting each field to its limit
 * and then checking the result with the generic schema, so that every
 * source's tickets obey the same rules as a generic delivery's.
 */
export function toTicket(draft: TicketDraft, externalSystem: string): Ticket {
  const description = cut(draft.description, MAX_DESCRIPTION_CHARS);
  const criteria = (
    draft.acceptanceCriteria && draft.acceptanceCriteria.length > 0
      ? draft.acceptanceCriteria
      : acceptanceSection(description)
  )
    .slice(0, MAX_CRITERIA)
    .map((item) => cut(item, MAX_CRITERION_CHARS));

  const context: Record<string, unknown> = {
    acceptance_criteria: criteria,
    event_kind: cut(draft.eventKind, MAX_FIELD_CHARS),
  };
  const optional = {
    priority: draft.priority,
    assignee: draft.assignee,
    status: draft.status,
    reporter: draft.reporter,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value) context[key] = cut(value, MAX_FIELD_CHARS);
  }
  if (draft.labels) {
    context.labels = draft.labels
      .slice(0, MAX_LABELS)
      .map((label) => cut(label, MAX_FIELD_CHARS));
  }
  // Criteria are the one part that can be large: drop from the end until
  // the context fits its limit.
  while (
    criteria.length > 0 &&
    Buffer.byteLength(JSON.stringify(context)) > MAX_CONTEXT_BYTES
  ) {
    criteria.pop();
  }

  const parsed = genericPayload.safeParse({
    title: cut(oneLine(draft.title), MAX_TITLE_CHARS),
    description,
    external_reference: draft.externalReference,
    ...(draft.externalUrl ? { external_url: draft.externalUrl } : {}),
    external_system: externalSystem,
    context,
  });
  if (!parsed.success) {
    const errors = fieldErrors(parsed.error);
    throw new Refusal(
      400,
      `400 Bad request - ${describeFieldErrors(errors)}`,
      "schema",
      { errors },
    );
  }
  const payload = parsed.data;
  return {
    workflowType: undefined,
    title: payload.title,
    description: payload.description ?? "",
    externalReference: payload.external_reference,
    externalUrl: payload.external_url,
    externalSystem,
    context: payload.context ?? {},
  };
}

/** Cuts at a code point boundary, marking the cut. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text.slice(0, max));
  chars.pop();
  return `${chars.join("")}…`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
