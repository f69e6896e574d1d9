import type { Clock } from "../../clock.ts";
import { recordTimelineEvent } from "../../runs/timeline.ts";
import type { Db } from "../../store/database.ts";

const SECOND_MS = 1000;
/** Long enough for the GitLab client's retries of a 5xx, short enough
 * that a canceled run's job ends soon. */
const CANCEL_TIMEOUT_MS = 10 * SECOND_MS;

/** What GitLab made of the request to cancel the work. */
export type CancelOutcome =
  | { kind: "requested" }
  /** The work had ended already; `message` is what GitLab said. */
  | { kind: "not_needed"; message: string };

export interface CancelContext {
  db: Db;
  now: Clock;
  runId: number;
  executor: string;
  /** GitLab's id of the flow or pipeline. */
  workId: number;
  /** Asks GitLab to cancel the work, giving up when `signal` aborts. */
  cancel(signal: AbortSignal): Promise<CancelOutcome>;
}

/**
 * After a run's remote work was aborted: when the run itself was
 * canceled (not this process shutting down, where another worker
 * follows the same work on), cancels the work on GitLab too, so it stops
 * spending runners or a Duo budget on a change nobody wants. The
 * outcome goes to the run's timeline as a `remote_status`
 * (`cancel_requested`, `cancel_not_needed` or `cancel_failed`); a
 * failure is recorded, never thrown: the run is canceled either way.
 * TODO: work aborted while its start was under way is not canceled, as
 * its id is not known yet; looking it up by its request key, as a
 * retried start does, would close that gap.
 */
export async function cancelWhenRunCanceled(
  context: CancelContext,
): Promise<void> {
  const { db, now, runId } = context;
  const run = await db
    .selectFrom("runs")
    .select("status")
    .where("id", "=", runId)
    .executeTakeFirst();
  if (run?.status !== "canceled") return;

  const timeout = AbortSignal.timeout(CANCEL_TIMEOUT_MS);
  let outcome: Record<string, unknown>;
  try {
    const answered = await context.cancel(timeout);
    outcome =
      answered.kind === "requested"
        ? { status: "cancel_requested" }
        : { status: "cancel_not_needed", message: answered.message };
  } catch (caught) {
    const said = caught instanceof Error ? caught.message : String(caught);
    const error = timeout.aborted
      ? `GitLab gave no answer within ${CANCEL_TIMEOUT_MS / SECOND_MS} ` +
        `seconds: ${said}`
      : said;
    outcome = { status: "cancel_failed", error };
  }
  await recordTimelineEvent(db, runId, {
    kind: "remote_status",
    at: now(),
    details: { executor: context.executor, id: context.workId, ...outcome },
  });
}
