import type { TicketDraft } from "../ticket-draft.ts";
import type { TicketEvent } from "../ticket-event.ts";
import type { ServicenowPayload } from "./payload.ts";

// Display values of the incident states that end the work, and their
// numbers on the incident table (6 Resolved, 7 Closed, 8 Canceled).
const CLOSED_STATES = /^(?:resolved|closed|cancell?ed|6|7|8)$/i;

/** A record change sent by the recommended business rule. */
export function readServicenowEvent(payload: ServicenowPayload): TicketEvent {
  const draft = draftOf(payload);
  const actorIds = payload.sys_updated_by ? [payload.sys_updated_by] : [];
  const event = payload.event ?? "insert";

  if (event === "delete") return { action: "deleted", draft, actorIds };
  if (event === "insert") return { action: "created", draft, actorIds };

  if (payload.comment) {
    const author = payload.comment_author ?? payload.sys_updated_by;
    return {
      action: "commented",
      draft,
      actorIds: author ? [...actorIds, author] : actorIds,
      comment: {
        text: payload.comment,
        author: author ?? undefined,
        mentions: [],
      },
    };
  }

  const moved =
    payload.state != null &&
    payload.previous_state != null &&
    payload.state !== payload.previous_state;
  return {
    action:
      moved && CLOSED_STATES.test(payload.state ?? "") ? "closed" : "updated",
    draft,
    actorIds,
    statusChangedTo: moved ? (payload.state ?? undefined) : undefined,
  };
}

function draftOf(payload: ServicenowPayload): TicketDraft {
  const base = payload.instance_url?.replace(/\/$/, "");
  const criteria = payload.acceptance_criteria;
  return {
    externalReference: payload.number,
    externalUrl: base
      ? `${base}/nav_to.do?uri=${payload.table}.do?sys_id=${payload.sys_id}`
      : undefined,
    title: payload.short_description,
    description: payload.description ?? "",
    acceptanceCriteria:
      typeof criteria === "string"
        ? criteria.split(/\r?\n/).filter((line) => line.trim() !== "")
        : (criteria ?? undefined),
    priority: payload.priority ?? undefined,
    labels: payload.labels ?? undefined,
    assignee: payload.assigned_to ?? undefined,
    status: payload.state ?? undefined,
    reporter: payload.opened_by ?? undefined,
    eventKind: `${payload.table}.${payload.event ?? "insert"}`,
  };
}
