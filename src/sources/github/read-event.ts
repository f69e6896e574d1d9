import type { NormalizeResult } from "../source.ts";
import type { TicketDraft } from "../ticket-draft.ts";
import type { TicketEvent } from "../ticket-event.ts";
import type { GithubPayload } from "./payload.ts";

const ISSUE_ACTIONS: Record<string, TicketEvent["action"]> = {
  opened: "created",
  edited: "updated",
  labeled: "updated",
  unlabeled: "updated",
  assigned: "updated",
  unassigned: "updated",
  reopened: "updated",
  closed: "closed",
  deleted: "deleted",
};

/** An `issues` or `issue_comment` event as a ticket event, or why it
 * concerns no ticket. */
export function readGithubEvent(
  eventName: "issues" | "issue_comment",
  payload: GithubPayload,
): TicketEvent | Extract<NormalizeResult, { kind: "ignored" }> {
  const { issue, action } = payload;
  const draft: TicketDraft = {
    externalReference: `${payload.repository.full_name}#${issue.number}`,
    externalUrl: issue.html_url,
    title: issue.title,
    description: issue.body ?? "",
    labels: issue.labels?.map((label) => label.name),
    assignee: issue.assignees?.map((user) => user.login).join(", "),
    status: issue.state,
    reporter: issue.user?.login,
    eventKind: `${eventName}.${action}`,
  };
  const actorIds = payload.sender ? [payload.sender.login] : [];

  if (eventName === "issue_comment") {
    if (issue.pull_request !== undefined) {
      return { kind: "ignored", reason: "the comment is on a pull request" };
    }
    if (action !== "created" || !payload.comment) {
      return {
        kind: "ignored",
        reason: `comments ${action} start nothing; only new comments count`,
      };
    }
    const author = payload.comment.user?.login;
    return {
      action: "commented",
      draft,
      actorIds: author ? [...actorIds, author] : actorIds,
      comment: {
        text: payload.comment.body ?? "",
        author,
        mentions: [],
      },
    };
  }

  const mapped = ISSUE_ACTIONS[action];
  if (!mapped) {
    return { kind: "ignored", reason: `issues.${action} starts nothing` };
  }
  const changed = payload.label ? [payload.label.name] : [];
  return {
    action: mapped,
    draft,
    actorIds,
    ...(action === "labeled" ? { labelsAdded: changed } : {}),
    ...(action === "unlabeled" ? { labelsRemoved: changed } : {}),
  };
}
