import type { Db } from "../store/database.ts";
import { type RunRow, runUrl } from "./run-record.ts";

/** A run as the admin API shows it (DESIGN.md §5), with its timeline. */
export async function runView(
  db: Db,
  run: RunRow,
  options: { publicUrl: string; projectPath: string; withEvents: boolean },
) {
  const events = options.withEvents
    ? await db
        .selectFrom("run_events")
        .select(["kind", "at", "duration_ms", "details"])
        .where("run_id", "=", run.id)
        .orderBy("id")
        .execute()
    : undefined;

  const view = {
    id: run.id,
    project_id: run.project_id,
    trigger_id: run.trigger_id,
    workflow_type: run.workflow_type,
    executor: run.executor,
    external_system: run.external_system,
    external_reference: run.external_reference,
    external_url: run.external_url,
    title: run.title,
    status: run.status,
    branch: run.branch,
    merge_request:
      run.merge_request_iid === null
        ? null
        : {
            iid: run.merge_request_iid,
            web_url:
              run.merge_request_web_url ??
              `${options.publicUrl}/${options.projectPath}/-/merge_requests/${run.merge_request_iid}`,
          },
    error: run.error,
    web_url: runUrl(options.publicUrl, run),
    created_at: run.created_at,
    started_at: run.started_at,
    finished_at: run.finished_at,
  };
  if (!events) return view;
  const stored = events.map((event) => ({
    name: event.kind,
    at: event.at,
    duration_ms: event.duration_ms,
    details: JSON.parse(event.details) as Record<string, unknown>,
  }));
  return { ...view, events: [...admissionEvents(run), ...stored] };
}

/**
 * The first three steps of every run, kept as the run row's own times
 * rather than as timeline rows: they are written once per delivery, on
 * the hot path, and never change.
 */
function admissionEvents(run: RunRow) {
  const admission = JSON.parse(run.admission) as Record<string, unknown>;
  const verifiedMs = Date.parse(run.verified_at) - Date.parse(run.received_at);
  return [
    {
      name: "received",
      at: run.received_at,
      duration_ms: null,
      details: { trigger_id: run.trigger_id, source: admission.source },
    },
    {
      name: "verified",
      at: run.verified_at,
      duration_ms: verifiedMs,
      details: { auth: admission.auth },
    },
    { name: "queued", at: run.created_at, duration_ms: null, details: {} },
  ];
}
