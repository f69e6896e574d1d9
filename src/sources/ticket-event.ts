import type { Mention } from "./markup/adf-to-markdown.ts";
import type { TicketDraft } from "./ticket-draft.ts";

/**
 * What happened to a ticket, in words every provider can be mapped to.
 * A source reads its payload into one of these; the trigger's rules
 * (apply-rules.ts) then decide what it starts.
 */
export interface TicketEvent {
  action:
    | "created"
    | "updated"
    | "commented"
    | "closed"
    | "deleted"
    /** Sent on purpose to start a run (a Slack command, a Jira
     * Automation rule): the sender already chose the ticket. */
    | "requested";
  draft: TicketDraft;
  /** Every name the event's author is known by (account id, login, …),
   * compared with the trigger's bot identity. */
  actorIds: readonly string[];
  labelsAdded?: readonly string[];
  labelsRemoved?: readonly string[];
  /** A label went whose name the delivery does not give (Linear names
   * only the labels an issue still has): it may be the trigger label. */
  unnamedLabelRemoved?: boolean;
  /** The status the ticket moved into, when this event moved it. */
  statusChangedTo?: string | undefined;
  comment?: TicketComment;
}

export interface TicketComment {
  /** Markdown, mentions written as `@name`. */
  text: string;
  author: string | undefined;
  /** The users the comment mentions through the provider's own mention
   * (Jira account ids, Slack user ids), and how each reads in `text`. */
  mentions: readonly Mention[];
}
