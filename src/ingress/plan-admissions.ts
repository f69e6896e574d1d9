import { runTicketKey } from "../runs/insert-runs.ts";
import type { Admission } from "./admit-delivery.ts";

/** What the database already holds for a batch's deliveries. */
export interface KnownRuns {
  /** Run of a delivery seen before, by `deliveryKeyOf`. */
  seen: ReadonlyMap<string, number>;
  /** Active run of a ticket, by `ticketKeyOf`. */
  active: ReadonlyMap<string, number>;
}

/**
 * One delivery's fate. `sameAs` points at an earlier delivery of the
 * same batch whose run this one shares, known only once that run is
 * inserted.
 */
export type Decision =
  | { kind: "duplicate" | "joined"; runId: number }
  | { kind: "duplicate" | "joined"; sameAs: number }
  | { kind: "accepted" };

export function deliveryKeyOf(admission: Admission): string {
  return `${admission.trigger.id}\n${admission.deliveryKey}`;
}

export function ticketKeyOf(admission: Admission): string {
  return runTicketKey(admission.project.id, admission.ticket.externalReference);
}

/**
 * Decides each delivery of a batch in order, as if they had been
 * committed one by one: a delivery seen before is a duplicate; a ticket
 * with an active run (in the database, or started earlier in the batch)
 * is joined; anything else starts a run.
 */
export function planAdmissions(
  admissions: readonly Admission[],
  known: KnownRuns,
): Decision[] {
  const firstDelivery = new Map<string, number>();
  const firstOfTicket = new Map<string, number>();
  return admissions.map((admission, index): Decision => {
    const delivery = deliveryKeyOf(admission);
    const ticket = ticketKeyOf(admission);

    const seenRun = known.seen.get(delivery);
    if (seenRun !== undefined) return { kind: "duplicate", runId: seenRun };
    const earlier = firstDelivery.get(delivery);
    if (earlier !== undefined) return { kind: "duplicate", sameAs: earlier };
    firstDelivery.set(delivery, index);

    const activeRun = known.active.get(ticket);
    if (activeRun !== undefined) return { kind: "joined", runId: activeRun };
    const starter = firstOfTicket.get(ticket);
    if (starter !== undefined) return { kind: "joined", sameAs: starter };
    firstOfTicket.set(ticket, index);
    return { kind: "accepted" };
  });
}
