import { runUrl } from "../runs/run-record.ts";
import { sourceNamed } from "../sources/registry.ts";
import type { Db } from "../store/database.ts";
import type { OutboxAction } from "./outbox-message.ts";
import { readSyncSettings } from "./read-sync-settings.ts";
import type { ReportedAction, RunReport } from "./run-report.ts";
import type { SyncEvent } from "./sync-event.ts";

/** The events the callback sends (`run.<event>`): issue 6's, and
 * issue 7's `action_required`; none for `queued` or `canceled`. */
const CALLBACK_EVENTS: readonly SyncEvent[] = [
  "started",
  "action_required",
  "merge_request_opened",
  "succeeded",
  "failed",
  "merged",
];

export interface ReportChange {
  runId: number;
  event: SyncEvent;
  at: Date;
  publicUrl: string;
  /** For `action_required`: what a person must do, and where. */
  action?: ReportedAction | undefined;
}

/**
 * Writes the messages a run change calls for, inside the transaction
 * that makes the change, so that a change is never committed without
 * its messages nor a message without its change. The run is read inside
 * the same transaction: the report shows it as this change leaves it.
 * Each event's messages are written once per round of the run (see
 * roundOf). Answers how many messages were written.
 */
export async function enqueueReports(
  trx: Db,
  change: ReportChange,
): Promise<number> {
  const run = await trx
    .selectFrom("runs")
    .leftJoin("triggers", "triggers.id", "runs.trigger_id")
    .leftJoin("projects", "projects.id", "runs.project_id")
    .select([
      "runs.id",
      "runs.project_id",
      "runs.trigger_id",
      "runs.status",
      "runs.external_system",
      "runs.external_reference",
      "runs.external_url",
      "runs.branch",
      "runs.merge_request_iid",
      "runs.merge_request_web_url",
      "runs.error",
      "triggers.source",
      "triggers.sync",
      "triggers.credentials",
      "projects.path as project_path",
    ])
    .where("runs.id", "=", change.runId)
    .executeTakeFirst();
  if (!run?.source || run.sync === null) return 0;

  const sync = readSyncSettings(run.sync);
  if (!sync.on[change.event]) return 0;
  const reporter = sourceNamed(run.source)?.reporter;
  const actions: OutboxAction[] = [
    ...(reporter &&
    (run.credentials !== null || reporter.reportsWithoutCredentials)
      ? reporter.actions(change.event, sync)
      : []),
    ...(sync.callbackUrl && CALLBACK_EVENTS.includes(change.event)
      ? (["callback"] as const)
      : []),
  ];
  if (actions.length === 0) return 0;

  const report: RunReport = {
    event: change.event,
    runId: run.id,
    runUrl: runUrl(change.publicUrl, run),
    status: run.status,
    externalSystem: run.external_system,
    externalReference: run.external_reference,
    externalUrl: run.external_url,
    branch: run.branch,
    mergeRequest:
      run.merge_request_iid === null
        ? null
        : {
            iid: run.merge_request_iid,
            webUrl:
              run.merge_request_web_url ??
              `${change.publicUrl}/${run.project_path}/-/merge_requests/${run.merge_request_iid}`,
          },
    error: run.error,
    ...(change.action ? { action: change.action } : {}),
    at: change.at.toISOString(),
  };
  const at = change.at.toISOString();
  const giveUpAt = new Date(
    change.at.getTime() + sync.giveUpAfterMs,
  ).toISOString();
  const round = await roundOf(trx, run.id);
  const written = await trx
    .insertInto("outbox_messages")
    .values(
      actions.map((action) => ({
        run_id: run.id,
        project_id: run.project_id,
        trigger_id: run.trigger_id,
        event: change.event,
        action,
        report: JSON.stringify(report),
        status: "pending",
        next_attempt_at: at,
        give_up_at: giveUpAt,
        created_at: at,
        updated_at: at,
        // A run may wait for a person several times, each wait told on
        // its own (its follower writes it once): a null round is never
        // equal to another in the unique index.
        round: change.event === "action_required" ? null : round,
      })),
    )
    // A job's retry repeats its run's changes (the run goes back to
    // queued, then starts again): the ticket heard of them already.
    .onConflict((conflict) =>
      conflict.columns(["run_id", "round", "event", "action"]).doNothing(),
    )
    .executeTakeFirst();
  return Number(written.numInsertedOrUpdatedRows ?? 0);
}

/** How many times an admin retried the run: each retry is a new round,
 * whose start and outcome the ticket is told again. */
async function roundOf(trx: Db, runId: number): Promise<number> {
  const { retries } = await trx
    .selectFrom("run_events")
    .select((eb) => eb.fn.countAll<number | string>().as("retries"))
    .where("run_id", "=", runId)
    .where("kind", "=", "retried")
    .executeTakeFirstOrThrow();
  return Number(retries);
}
