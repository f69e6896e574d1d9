import { projectPage } from "../api/paths.ts";
import type { Run } from "../api/types.ts";
import { between, formatDuration, formatTime } from "./format.ts";
import { SafeLink } from "./safe-link.tsx";
import { StatusBadge } from "./status-badge.tsx";

/** One run in the live list; every text from the ticket is plain text. */
export function RunRow(props: {
  projectId: string;
  run: Run;
  gitlab: boolean;
}) {
  const { run } = props;
  const page = projectPage(props.projectId, `runs/${run.id}`);
  return (
    <tr>
      <td>
        <a href={page}>#{run.id}</a>
      </td>
      <td>
        <StatusBadge status={run.status} />
      </td>
      <td>
        <SafeLink href={run.external_url}>{run.external_reference}</SafeLink>
        <div class="run-title">{run.title}</div>
      </td>
      <td>
        {run.merge_request === null ? (
          "—"
        ) : props.gitlab ? (
          <SafeLink href={run.merge_request.web_url}>
            !{run.merge_request.iid}
          </SafeLink>
        ) : (
          <a href={`${page}#merge-request`}>!{run.merge_request.iid}</a>
        )}
      </td>
      <td>{run.executor}</td>
      <td>
        <span title="from queued to started">
          {formatDuration(between(run.created_at, run.started_at))}
        </span>
        {" / "}
        <span title="from started to finished">
          {formatDuration(
            run.started_at ? between(run.started_at, run.finished_at) : null,
          )}
        </span>
      </td>
      <td>{formatTime(run.created_at)}</td>
    </tr>
  );
}
