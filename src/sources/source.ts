import type { FollowUp } from "../executors/executor.ts";
import type { Reporter } from "../outbox/reporter.ts";
import type { Ticket } from "../tickets/ticket.ts";
import type { Trigger, TriggerAuth } from "../triggers/trigger.ts";

/** A delivery as it came off the wire, before anything trusts it. */
export interface InboundDelivery {
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
  receivedAt: Date;
}

/**
 * What an authentic delivery asks for, once the trigger's rules are
 * applied:
 * - `ticket`: start a run for the ticket, or join its active run. With a
 *   `followUp` (a mention comment, a Slack command's instructions) the
 *   instruction is recorded on the run that takes the ticket on.
 * - `cancel`: end the ticket's active run (a stop command, the label
 *   removed, the ticket closed or deleted).
 * - `ignored`: authentic, but it starts nothing; the reason is answered
 *   and listed among the deliveries.
 * - `reply`: the provider expects a particular answer and no run (Slack's
 *   url_verification challenge).
 */
export type NormalizeResult =
  | { kind: "ticket"; ticket: Ticket; followUp?: FollowUp }
  | {
      kind: "cancel";
      externalReference: string;
      reason: string;
      /** Cancel only an active run whose ticket carried this label when
       * it was admitted: set when the removed label may be another one. */
      onlyIfRunLabelled?: string;
    }
  | { kind: "ignored"; reason: string }
  | { kind: "reply"; body: Record<string, unknown>; reason: string };

/** What the core answers, before a source shapes it for its sender. */
export interface SourceAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * What the core needs from one external system. Each source lives in its
 * own folder under src/sources; the core names none of them.
 */
export interface Source {
  readonly name: string;

  /** How its signing secret is written: Standard Webhooks' `whsec_` and
   * base64 (the key is the decoded bytes), or any text used as the key. */
  readonly secretFormat: "standard-webhooks" | "text";

  /** The `auth` a new trigger of this source gets when none is given. */
  readonly defaultAuth?: TriggerAuth;

  /** Media types the per-trigger URL accepts besides application/json. */
  readonly extraMediaTypes?: readonly string[];

  /** Headers, in lower case, that carry this source's signature or
   * credential: their values never reach the delivery log or the logs. */
  readonly secretHeaders: readonly string[];

  /**
   * Checks the signature over the raw bytes against each secret, in
   * constant time, with the source's freshness rule. Throws a Refusal.
   */
  verifySignature(
    delivery: InboundDelivery,
    secrets: readonly string[],
    now: Date,
  ): void;

  /** Parses the verified body; JSON when absent. Throws a Refusal(400). */
  parse?(delivery: InboundDelivery): unknown;

  /** The provider's own delivery id, when it sends one; the parsed body
   * is given for providers that put it there (Slack's `event_id`). */
  deliveryId(delivery: InboundDelivery, body: unknown): string | undefined;

  /** Applies the trigger's rules to the parsed body. Throws a
   * Refusal(400) naming each bad field. */
  normalize(
    body: unknown,
    trigger: Trigger,
    delivery: InboundDelivery,
  ): NormalizeResult;

  /** Shapes the core's answer the way the sender expects (Slack shows a
   * slash command's answer to the user who typed it). */
  present?(answer: SourceAnswer, body: unknown): SourceAnswer;

  /** Reports a run's progress back on the ticket (issue 6), with the
   * trigger's credentials; absent, only `sync.callback_url` is told. */
  readonly reporter?: Reporter;
}
