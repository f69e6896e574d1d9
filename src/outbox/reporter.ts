import type { OutboundHttp } from "../outbound/outbound-http.ts";
import type { RunReport } from "./run-report.ts";
import type { SyncEvent } from "./sync-event.ts";
import type { SyncSettings } from "./sync-settings.ts";

/**
 * What one outbox message does on the provider:
 * - `comment`: create or edit the run's tracking comment (or post the
 *   next note where the provider cannot edit);
 * - `link`: upsert a link from the ticket to the merge request;
 * - `transition`: move the ticket to the status the settings name;
 * - `labels`: add the labels the settings name (GitHub).
 */
export type ReportAction = "comment" | "link" | "transition" | "labels";

/** One attempt at one message, with everything it may use. */
export interface ReportCall {
  action: ReportAction;
  /** The outbox message's id, stable across its attempts. */
  messageId: number;
  /** 1 on the first attempt; more means an earlier one failed, perhaps
   * after the provider did the work (its answer lost). */
  attempt: number;
  report: RunReport;
  sync: SyncSettings;
  /** The trigger's provider credentials, opened (DESIGN.md §3). */
  credentials: Readonly<Record<string, string>>;
  /** Read by the source's `replyTo` from the run's first delivery. */
  replyTo: Readonly<Record<string, string>>;
  /** What earlier messages of this run left (the tracking comment id). */
  state: Readonly<Record<string, string>>;
  http: OutboundHttp;
  signal: AbortSignal;
}

export interface ReportOutcome {
  /** Merged into the run's state for later messages. */
  state?: Record<string, string>;
  /** Shown in the run's timeline with the attempt (no secrets). */
  details?: Record<string, unknown>;
}

/**
 * How one external system is told about a run. Every call must be safe
 * to repeat: a message whose answer was lost is sent again, so creates
 * look for what an earlier attempt made (the comment carries the run's
 * URL as its marker; links upsert) before making it.
 */
export interface Reporter {
  /** The actions an event calls for under these settings, in order. */
  actions(event: SyncEvent, sync: SyncSettings): ReportAction[];
  deliver(call: ReportCall): Promise<ReportOutcome>;
  /** What a reply needs from the verified, parsed body of the run's
   * first delivery: Slack's `response_url` and channel, ServiceNow's
   * table and `sys_id`. Never ticket text. */
  replyTo?(body: unknown): Record<string, string>;

  /** True when it can report with no credentials at all (Slack answers
   * a slash command through its response_url, which needs no token). */
  readonly reportsWithoutCredentials?: boolean;
}
