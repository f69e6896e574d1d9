import { parsePayload } from "../parse-payload.ts";
import type { NormalizeResult } from "../source.ts";
import type { TicketDraft } from "../ticket-draft.ts";
import type { TicketEvent } from "../ticket-event.ts";
import {
  type LinearEnvelope,
  type LinearIssue,
  linearComment,
  linearIssue,
} from "./payload.ts";

type Ignored = Extract<NormalizeResult, { kind: "ignored" }>;

const CLOSED_STATE_TYPES = new Set(["completed", "canceled"]);

/** A Linear Issue or Comment delivery as a ticket event. */
export function readLinearEvent(
  envelope: LinearEnvelope,
): TicketEvent | Ignored {
  const { type, action } = envelope;
  const actorIds = [envelope.actor?.id, envelope.actor?.email].filter(
    (value): value is string => typeof value === "string" && value !== "",
  );

  if (type === "Comment") {
    if (action !== "create") {
      return { kind: "ignored", reason: `Comment ${action} starts nothing` };
    }
    const comment = parsePayload(linearComment, envelope.data);
    const author = comment.user?.id ?? comment.userId ?? undefined;
    return {
      action: "commented",
      draft: {
        externalReference: comment.issue.identifier ?? comment.issue.id,
        externalUrl: comment.issue.url ?? undefined,
        title: comment.issue.title,
        description: "",
        eventKind: `Comment.${action}`,
      },
      actorIds: author ? [...actorIds, author] : actorIds,
      comment: {
        text: comment.body,
        author: comment.user?.name ?? author,
        mentions: [],
      },
    };
  }
  if (type !== "Issue") {
    return { kind: "ignored", reason: `Linear ${type} events start nothing` };
  }

  const issue = parsePayload(linearIssue, envelope.data);
  const draft = draftOf(issue, envelope);
  if (action === "create") return { action: "created", draft, actorIds };
  if (action === "remove") return { action: "deleted", draft, actorIds };
  if (action !== "update") {
    return { kind: "ignored", reason: `Issue ${action} starts nothing` };
  }

  const before = envelope.updatedFrom ?? {};
  const stateChanged = Object.hasOwn(before, "stateId");
  const closed =
    stateChanged && CLOSED_STATE_TYPES.has(issue.state?.type ?? "");
  return {
    action: closed ? "closed" : "updated",
    draft,
    actorIds,
    ...labelChanges(issue, before),
    statusChangedTo: stateChanged ? issue.state?.name : undefined,
  };
}

/**
 * Linear tells the label ids an update replaced, not their names: added
 * labels are named from the issue's current labels. A removed label's
 * name is gone, so a removal is reported as unnamed; the rules read it
 * as the trigger label's removal when the issue no longer carries it.
 */
function labelChanges(
  issue: LinearIssue,
  before: Record<string, unknown>,
): Pick<TicketEvent, "labelsAdded" | "unnamedLabelRemoved"> {
  const previous = before.labelIds;
  if (!Array.isArray(previous)) return {};
  const now = issue.labelIds ?? [];
  const labels = issue.labels ?? [];
  const added = labels
    .filter((label) => label.id && !previous.includes(label.id))
    .map((label) => label.name);
  const removedSome = previous.some(
    (id) => typeof id === "string" && !now.includes(id),
  );
  return { labelsAdded: added, unnamedLabelRemoved: removedSome };
}

function draftOf(issue: LinearIssue, envelope: LinearEnvelope): TicketDraft {
  const reference =
    issue.identifier ??
    (issue.team && issue.number !== undefined
      ? `${issue.team.key}-${issue.number}`
      : issue.id);
  return {
    externalReference: reference,
    externalUrl: issue.url ?? envelope.url ?? undefined,
    title: issue.title,
    description: issue.description ?? "",
    priority: issue.priorityLabel ?? undefined,
    labels: issue.labels?.map((label) => label.name),
    assignee: issue.assignee?.email ?? issue.assignee?.name,
    status: issue.state?.name,
    reporter: issue.creator?.name,
    eventKind: `Issue.${envelope.action}`,
  };
}
