import { sourceNamed } from "../sources/registry.ts";
import type { Trigger } from "../triggers/trigger.ts";
import type { ReportAction } from "./reporter.ts";
import { syncSchema, syncSettings } from "./sync-settings.ts";

/**
 * What the admission needs to write a new run's "on it" messages in the
 * transaction that makes the run: a few values, not the trigger's
 * settings, since an admission crosses to the SQLite thread by
 * structured clone.
 */
export interface ReceiptReport {
  /** What the reporter does for `queued`: the comment, and a
   * transition when `sync.transitions.queued` names one. */
  actions: ReportAction[];
  /** FLOWGATE_PUBLIC_URL, for the run's link. */
  publicUrl: string;
  giveUpAfterMs: number;
}

type Decision = Omit<ReceiptReport, "publicUrl">;

// Keyed by the lookup cache's trigger object, so that a burst of
// deliveries to one trigger parses its settings once.
const decided = new WeakMap<Trigger, Decision | null>();

/**
 * The receipt report a delivery to this trigger writes, or undefined
 * when the trigger reports nothing on `queued` (no reporter, no
 * credentials, or the event turned off). The callback has no `queued`
 * event: DESIGN.md names none.
 */
export function receiptReportOf(
  trigger: Trigger,
  publicUrl: string,
): ReceiptReport | undefined {
  let decision = decided.get(trigger);
  if (decision === undefined) {
    decision = decide(trigger);
    decided.set(trigger, decision);
  }
  return decision === null ? undefined : { publicUrl, ...decision };
}

function decide(trigger: Trigger): Decision | null {
  const reporter = sourceNamed(trigger.source)?.reporter;
  if (!reporter) return null;
  if (!trigger.hasCredentials && !reporter.reportsWithoutCredentials) {
    return null;
  }
  const parsed = syncSchema.safeParse(trigger.sync);
  if (!parsed.success) return null;
  const sync = syncSettings(parsed.data);
  const actions = reporter.actions("queued", sync);
  if (actions.length === 0) return null;
  return { actions, giveUpAfterMs: sync.giveUpAfterMs };
}
