import type { SyncEvent } from "./sync-event.ts";

/**
 * What one message tells the ticket: the run as it was when the change
 * that causes the message was committed. Ticket text is not in it: a
 * report names the ticket by reference only, so nothing a sender wrote
 * is echoed back to the tracker.
 */
export interface RunReport {
  event: SyncEvent;
  runId: number;
  /** The run's page, also the marker that finds the tracking comment. */
  runUrl: string;
  status: string;
  externalSystem: string;
  externalReference: string;
  externalUrl: string | null;
  branch: string | null;
  mergeRequest: { iid: number; webUrl: string } | null;
  /** Why the run failed, for `failed`. */
  error: string | null;
  /** ISO time of the change. */
  at: string;
}
