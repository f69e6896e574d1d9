/** The run changes that report back to the ticket (issue 6), in the
 * order a run goes through them. `queued` is the "on it" written with
 * the delivery that makes the run, before any worker is free;
 * `action_required` (issue 7) when work on GitLab waits for a person
 * there; `canceled` can end a run at any point. */
export const SYNC_EVENTS = [
  "queued",
  "started",
  "action_required",
  "merge_request_opened",
  "succeeded",
  "failed",
  "merged",
  "canceled",
] as const;

export type SyncEvent = (typeof SYNC_EVENTS)[number];

export function isSyncEvent(value: string): value is SyncEvent {
  return (SYNC_EVENTS as readonly string[]).includes(value);
}
