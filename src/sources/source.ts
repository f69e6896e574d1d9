import type { Ticket } from "../tickets/ticket.ts";
import type { Trigger } from "../triggers/trigger.ts";

/** A delivery as it came off the wire, before anything trusts it. */
export interface InboundDelivery {
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
  receivedAt: Date;
}

export type NormalizeResult =
  | { kind: "ticket"; ticket: Ticket }
  | { kind: "ignored"; reason: string };

/**
 * What the core needs from one external system. Each source lives in its
 * own folder under src/sources; the core names none of them.
 */
export interface Source {
  readonly name: string;

  /** True when the delivery carries this source's signature headers. */
  hasSignature(delivery: InboundDelivery): boolean;

  /**
   * Checks the signature over the raw bytes against each secret, in
   * constant time, with the source's freshness rule. Throws a Refusal.
   */
  verifySignature(
    delivery: InboundDelivery,
    secrets: readonly string[],
    now: Date,
  ): void;

  /** The provider's own delivery id, when it sends one. */
  deliveryId(delivery: InboundDelivery): string | undefined;

  /** Turns the parsed body into a ticket, or says why it starts nothing.
   * Throws a Refusal(400) naming each bad field. */
  normalize(body: unknown, trigger: Trigger): NormalizeResult;
}
