import { useState } from "preact/hooks";
import { describeError } from "../api/api-error.ts";
import { requestJson } from "../api/client.ts";
import { projectApi, workflowsApi } from "../api/paths.ts";
import type { Project, RunWithEvents } from "../api/types.ts";
import { ErrorMessage } from "../components/error-message.tsx";
import { between, formatDuration, formatTime } from "../components/format.ts";
import { ProjectNav } from "../components/project-nav.tsx";
import { RunDiff } from "../components/run-diff.tsx";
import { RunMessages } from "../components/run-messages.tsx";
import { RunTimeline } from "../components/run-timeline.tsx";
import { RunTranscript } from "../components/run-transcript.tsx";
import { SafeLink } from "../components/safe-link.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { useLoad } from "../components/use-load.ts";
import { useRunEvents } from "../components/use-run-events.ts";

export function RunPage(props: { params: { id: string; runId: string } }) {
  const { id: projectId, runId } = props.params;
  const runApi = `${workflowsApi(projectId)}/runs/${runId}`;
  const [actionError, setActionError] = useState<string | null>(null);

  const project = useLoad(
    () => requestJson<Project>(projectApi(projectId)),
    projectId,
  );
  const run = useLoad(() => requestJson<RunWithEvents>(runApi), runApi);

  // A change of this run (a step, its end) reloads it with its timeline.
  useRunEvents(`${workflowsApi(projectId)}/runs/events`, (changed) => {
    if (String(changed.id) === runId) run.reload();
  });

  const act = async (action: "cancel" | "retry") => {
    setActionError(null);
    try {
      run.setData(
        await requestJson<RunWithEvents>(`${runApi}/${action}`, {
          method: "POST",
        }),
      );
    } catch (failure) {
      setActionError(describeError(failure));
    }
  };

  const data = run.data;
  const active = data?.status === "queued" || data?.status === "running";
  const version = data ? `${data.status} ${data.events.length}` : "";
  return (
    <section>
      <ProjectNav projectId={projectId} current="runs" />
      <h1>Run #{runId}</h1>
      <ErrorMessage error={run.error} />
      {data && (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <StatusBadge status={data.status} />
            </dd>
            <dt>Ticket</dt>
            <dd>
              <SafeLink href={data.external_url}>
                {data.external_reference}
              </SafeLink>{" "}
              ({data.external_system})
            </dd>
            <dt>Title</dt>
            <dd class="run-title">{data.title}</dd>
            <dt>Workflow and executor</dt>
            <dd>
              {data.workflow_type}, {data.executor}
            </dd>
            <dt>Branch</dt>
            <dd>
              <code>{data.branch ?? "—"}</code>
            </dd>
            <dt>Merge request</dt>
            <dd>
              {data.merge_request ? (
                <SafeLink href={data.merge_request.web_url}>
                  !{data.merge_request.iid}
                </SafeLink>
              ) : (
                "none yet"
              )}
            </dd>
            <dt>Created</dt>
            <dd>{formatTime(data.created_at)}</dd>
            <dt>Run time</dt>
            <dd>
              {formatDuration(
                data.started_at
                  ? between(data.started_at, data.finished_at)
                  : null,
              )}
            </dd>
            {data.error && (
              <>
                <dt>Error</dt>
                <dd>{data.error}</dd>
              </>
            )}
          </dl>
          <div class="actions">
            <button
              type="button"
              disabled={!active}
              onClick={() => act("cancel")}
            >
              Cancel run
            </button>
            <button
              type="button"
              disabled={data.status !== "failed" && data.status !== "canceled"}
              onClick={() => act("retry")}
            >
              Retry run
            </button>
          </div>
          <ErrorMessage error={actionError} />
          <RunTimeline events={data.events} />
          <RunTranscript runApi={runApi} version={version} />
          {data.merge_request &&
            (project.data?.forge.type === "local" ? (
              <RunDiff
                projectApi={projectApi(projectId)}
                iid={data.merge_request.iid}
              />
            ) : (
              <p>
                The merge request's changes are on its forge:{" "}
                <SafeLink href={data.merge_request.web_url} />
              </p>
            ))}
          <RunMessages runApi={runApi} version={version} />
        </>
      )}
    </section>
  );
}
