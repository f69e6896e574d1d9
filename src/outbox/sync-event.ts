/** The run changes that report back to the ticket (issue 6), in the
 * order a run goes through them; `action_required` (issue 7) when work
 * on GitLab waits for a person there. */
export const SYNC_EVENTS = [
  "started",
  "action_required",
  "merge_request_opened",
  "succeeded",
  "failed",
  "merged",
] as const;

export type SyncEvent = (typeof SYNC_EVENTS)[number];

export function isSyncEvent(value: string): value is SyncEvent {
  return (SYNC_EVENTS as readonly string[]).includes(value);
}
