import type { Admission } from "../../src/ingress/admit-delivery.ts";

export interface TicketAdmissionOptions {
  project: { id: number; path: string };
  triggerId: number;
  reference: string;
  deliveryKey: string;
  /** When the delivery was received and verified. */
  at: Date;
  /** A mention comment's instruction, which makes it a follow-up. */
  followUp?: { instruction: string; author: string };
}

/** What the ingress hands the commit for a generic ticket that passed
 * every check: the unit of the storage contract tests. */
export function ticketAdmission(options: TicketAdmissionOptions): Admission {
  const { reference, at } = options;
  return {
    project: options.project,
    trigger: {
      id: options.triggerId,
      executor: "agent",
      source: "generic",
      auth: "signature",
    },
    ticket: {
      workflowType: "developer",
      title: `Ticket ${reference}`,
      description: "",
      externalReference: reference,
      externalUrl: undefined,
      externalSystem: "generic",
    },
    contextJson: "{}",
    workflowType: "developer",
    deliveryKey: options.deliveryKey,
    sourceIp: "127.0.0.1",
    headersJson: "{}",
    body: "{}",
    receivedAt: at,
    verifiedAt: at,
    ...(options.followUp ? { followUp: options.followUp } : {}),
  };
}
