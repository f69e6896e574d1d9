import { Refusal } from "../../ingress/refusal.ts";
import { parsePayload } from "../parse-payload.ts";
import type { NormalizeResult } from "../source.ts";
import type { TicketDraft } from "../ticket-draft.ts";
import type { TicketEvent } from "../ticket-event.ts";
import { type IssueNames, issueIdentifier } from "./identifier.ts";
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
    const { issue } = comment;
    if (!issue) {
      return { kind: "ignored", reason: "the comment is not on an issue" };
    }
    const author = comment.user?.id ?? comment.userId ?? undefined;
    return {
      action: "commented",
      draft: {
        externalReference: identifierOf(issue, "data.issue.identifier"),
        externalUrl: issue.url ?? undefined,
        title: issue.title,
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
 * Linear tells which labels an update replaced by id only
 * (`updatedFrom.labelIds`). A label is named where the delivery names its
 * id: the issue's current `labels`, or named previous labels when the
 * sender includes them. Linear's own deliveries name only the labels an
 * issue still has, so a removed label is usually unnamed: it is reported
 * as such, and the rules cancel a run only if the run began with the
 * trigger label and the label is gone (apply-rules.ts), never because
 * an unrelated label went.
 */
function labelChanges(
  issue: LinearIssue,
  before: Record<string, unknown>,
): Pick<TicketEvent, "labelsAdded" | "labelsRemoved" | "unnamedLabelRemoved"> {
  const previous = idsOf(before.labelIds);
  if (previous === undefined) return {};
  const current =
    issue.labelIds ?? (issue.labels ?? []).flatMap((l) => l.id ?? []);
  const names = new Map<string, string>();
  for (const label of [
    ...namedLabels(before.labels),
    ...(issue.labels ?? []),
  ]) {
    if (label.id) names.set(label.id, label.name);
  }
  const named = (ids: readonly string[]) =>
    ids.flatMap((id) => names.get(id) ?? []);
  const removed = previous.filter((id) => !current.includes(id));
  return {
    labelsAdded: named(current.filter((id) => !previous.includes(id))),
    labelsRemoved: named(removed),
    unnamedLabelRemoved: removed.some((id) => !names.has(id)),
  };
}

function idsOf(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter((id): id is string => typeof id === "string");
}

function namedLabels(value: unknown): { id?: string; name: string }[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((label: unknown) => {
    if (typeof label !== "object" || label === null) return [];
    const { id, name } = label as Record<string, unknown>;
    return typeof id === "string" && typeof name === "string"
      ? [{ id, name }]
      : [];
  });
}

function draftOf(issue: LinearIssue, envelope: LinearEnvelope): TicketDraft {
  return {
    externalReference: identifierOf(issue, "data.identifier"),
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

/**
 * The issue's identifier, which the run and every later delivery about
 * the issue share. Its id (a UUID) is no substitute: a comment named so
 * would never join the run of ENG-123.
 */
function identifierOf(issue: IssueNames, field: string): string {
  const identifier = issueIdentifier(issue);
  if (identifier !== undefined) return identifier;
  const message = "is missing, and no url or team key and number name it";
  throw new Refusal(400, `400 Bad request - ${field} ${message}`, "schema", {
    errors: { [field]: [message] },
  });
}
