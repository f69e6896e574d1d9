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
  /** For `action_required`: what a person must do, and where. */
  action?: ReportedAction | undefined;
  /** ISO time of the change. */
  at: string;
}

/** What a person must do for the run's work to go on, and where. */
export interface ReportedAction {
  /** A clause such as "answer the flow's question in GitLab". */
  text: string;
  url: string | null;
}
