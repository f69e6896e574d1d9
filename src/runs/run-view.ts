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
            web_url: `${options.publicUrl}/${options.projectPath}/-/merge_requests/${run.merge_request_iid}`,
          },
    error: run.error,
    web_url: runUrl(options.publicUrl, run),
    created_at: run.created_at,
    started_at: run.started_at,
    finished_at: run.finished_at,
  };
  if (!events) return view;
  return {
    ...view,
    events: events.map((event) => ({
      name: event.kind,
      at: event.at,
      duration_ms: event.duration_ms,
      details: JSON.parse(event.details) as Record<string, unknown>,
    })),
  };
}
