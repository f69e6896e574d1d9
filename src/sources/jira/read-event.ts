import type { Trigger } from "../../triggers/trigger.ts";
import type { NormalizeResult } from "../source.ts";
import type { TicketDraft } from "../ticket-draft.ts";
import type { TicketEvent } from "../ticket-event.ts";
import type { JiraIssue, JiraPayload, JiraUser } from "./payload.ts";
import { criteriaOf, jiraRichText } from "./rich-text.ts";

type Ignored = Extract<NormalizeResult, { kind: "ignored" }>;

/**
 * A Jira webhook delivery as a ticket event. Comments arrive both as
 * `comment_created` and as `jira:issue_updated` with
 * `issue_event_type_name: issue_commented`; both read alike, and the
 * comment id deduplicates them (see deliveryId in index.ts).
 */
export function readJiraEvent(
  payload: JiraPayload,
  trigger: Trigger,
): TicketEvent | Ignored {
  const event = payload.webhookEvent;
  const issue = payload.issue;
  if (!issue) {
    return {
      kind: "ignored",
      reason: `${event ?? "the delivery"} concerns no issue`,
    };
  }
  const draft = draftOf(issue, trigger, eventKind(payload));
  const actorIds = identities(payload.user);

  if (event === undefined) {
    // No webhookEvent: a Jira Automation "Send web request" rule, which
    // chose the issue itself.
    return { action: "requested", draft, actorIds };
  }
  if (event === "jira:issue_created") {
    return { action: "created", draft, actorIds };
  }
  if (event === "jira:issue_deleted") {
    return { action: "deleted", draft, actorIds };
  }
  const commented =
    event === "comment_created" ||
    (event === "jira:issue_updated" &&
      payload.issue_event_type_name === "issue_commented");
  if (commented) {
    if (!payload.comment) {
      return { kind: "ignored", reason: `${event} carries no comment` };
    }
    const { markdown, mentions } = jiraRichText(payload.comment.body);
    const author = payload.comment.author;
    return {
      action: "commented",
      draft,
      actorIds: [...actorIds, ...identities(author)],
      comment: {
        text: markdown,
        author: author?.displayName ?? author?.name ?? author?.accountId,
        mentions,
      },
    };
  }
  if (event !== "jira:issue_updated") {
    return { kind: "ignored", reason: `${event} events start nothing` };
  }
  return updateEvent(payload, issue, draft, actorIds);
}

function updateEvent(
  payload: JiraPayload,
  issue: JiraIssue,
  draft: TicketDraft,
  actorIds: string[],
): TicketEvent {
  const items = payload.changelog?.items ?? [];
  const labels = items.find((item) => item.field.toLowerCase() === "labels");
  const before = words(ownString(labels, "fromString"));
  const after = words(ownString(labels, "toString"));
  const status = items.find((item) => item.field.toLowerCase() === "status");
  const movedTo = ownString(status, "toString");
  const done = issue.fields.status?.statusCategory?.key === "done";
  return {
    action: movedTo !== undefined && done ? "closed" : "updated",
    draft,
    actorIds,
    labelsAdded: after.filter((label) => !before.includes(label)),
    labelsRemoved: before.filter((label) => !after.includes(label)),
    statusChangedTo: movedTo,
  };
}

function draftOf(
  issue: JiraIssue,
  trigger: Trigger,
  kind: string,
): TicketDraft {
  const { fields } = issue;
  const field = trigger.acceptanceCriteriaField;
  return {
    externalReference: issue.key,
    externalUrl: `${new URL(issue.self).origin}/browse/${issue.key}`,
    title: fields.summary,
    description: jiraRichText(fields.description).markdown,
    acceptanceCriteria: field ? criteriaOf(fields[field]) : undefined,
    priority: fields.priority?.name,
    labels: fields.labels ?? undefined,
    assignee: person(fields.assignee),
    status: fields.status?.name,
    reporter: person(fields.reporter),
    eventKind: kind,
  };
}

function eventKind(payload: JiraPayload): string {
  const event = payload.webhookEvent ?? "automation";
  const refined = payload.issue_event_type_name;
  return refined ? `${event}/${refined}` : event;
}

function person(user: JiraUser): string | undefined {
  return user?.emailAddress ?? user?.displayName ?? user?.name ?? undefined;
}

function identities(user: JiraUser): string[] {
  if (!user) return [];
  return [user.accountId, user.name, user.key, user.emailAddress].filter(
    (id): id is string => typeof id === "string" && id !== "",
  );
}

/**
 * A changelog item's own string field. `toString` is also the name of
 * every object's inherited method, so a missing one must not be read
 * through the prototype.
 */
function ownString(
  item: object | undefined,
  name: "fromString" | "toString",
): string | undefined {
  if (!item || !Object.hasOwn(item, name)) return undefined;
  const value = (item as Record<string, unknown>)[name];
  return typeof value === "string" ? value : undefined;
}

function words(value: string | undefined): string[] {
  return value ? value.split(/\s+/).filter((word) => word !== "") : [];
}
