import type { Selectable } from "kysely";
import type { OutboxMessageTable } from "../store/schema.ts";

/*
 * A message's life.
 *
 *   pending ──► delivered
 *     │  ▲ │
 *     │  │ └──► superseded (a newer message of its kind was delivered)
 *     │  └── a transient failure: pending again, due after a backoff
 *     ▼        (the server's Retry-After when it gave one)
 *   gave_up ──► pending (an admin's retry)
 *
 * A message is written `pending` in the transaction of the run change
 * that causes it. A dispatcher claims it with a lease (`locked_until`),
 * so a message whose dispatcher died is taken again after the lease. A
 * failure that retrying cannot mend, or one past `give_up_at`, ends it
 * `gave_up` with the reason; an admin's retry makes it pending again.
 * The messages of one run are sent in order: one is claimed only when
 * no earlier message of its run is still pending. A comment or a
 * transition is sent only while no newer one of its run and trigger was
 * delivered: one that gave up and is retried after later ones went out
 * would roll the ticket back, so it ends `superseded` instead.
 *
 * Only settle-message.ts and retry-message.ts write `status`.
 */
export type OutboxStatus = "pending" | "delivered" | "gave_up" | "superseded";

/** Actions whose newest delivery states where the run stands: an older
 * one sent after it would put the ticket back (see supersededBy). */
export const LATEST_WINS: readonly OutboxAction[] = ["comment", "transition"];

export type OutboxRow = Selectable<OutboxMessageTable>;

/** The action a message performs: a reporter's, or the callback. */
export type OutboxAction =
  | "comment"
  | "link"
  | "transition"
  | "labels"
  | "callback";

/** A message as the admin API shows it. */
export function messageView(row: OutboxRow) {
  return {
    id: row.id,
    run_id: row.run_id,
    event: row.event,
    action: row.action,
    status: row.status,
    attempts: row.attempts,
    last_error: row.last_error,
    next_attempt_at: row.status === "pending" ? row.next_attempt_at : null,
    give_up_at: row.give_up_at,
    created_at: row.created_at,
    delivered_at: row.delivered_at,
  };
}
