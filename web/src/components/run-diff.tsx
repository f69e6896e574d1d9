import { requestJson } from "../api/client.ts";
import type { Compare } from "../api/types.ts";
import { ErrorMessage } from "./error-message.tsx";
import { useLoad } from "./use-load.ts";

interface MergeRequest {
  source_branch: string;
  target_branch: string;
  title: string;
}

/**
 * The merge request's changes on the local forge: its source branch
 * compared with its target, each file's diff as plain text.
 */
export function RunDiff(props: { projectApi: string; iid: number }) {
  const diff = useLoad(async () => {
    const mr = await requestJson<MergeRequest>(
      `${props.projectApi}/merge_requests/${props.iid}`,
    );
    const compare = await requestJson<Compare>(
      `${props.projectApi}/repository/compare`,
      { query: { from: mr.target_branch, to: mr.source_branch } },
    );
    return { mr, compare };
  }, `${props.projectApi} ${props.iid}`);

  return (
    <section aria-labelledby="merge-request" class="diff">
      <h2 id="merge-request" tabIndex={-1}>
        Merge request !{props.iid}
      </h2>
      <ErrorMessage error={diff.error} />
      {diff.data && (
        <p>
          {diff.data.mr.title}: <code>{diff.data.mr.source_branch}</code> into{" "}
          <code>{diff.data.mr.target_branch}</code>,{" "}
          {diff.data.compare.diffs.length} file(s) changed.
        </p>
      )}
      {diff.data?.compare.diffs.map((file) => (
        <figure key={file.new_path}>
          <figcaption>
            {file.new_file ? "added " : file.deleted_file ? "deleted " : ""}
            {file.renamed_file
              ? `${file.old_path} → ${file.new_path}`
              : file.new_path}
          </figcaption>
          {file.too_large ? (
            <p class="hint">
              Too large to show here: open the branch in the repository.
            </p>
          ) : (
            <pre class="diff-text">{file.diff}</pre>
          )}
        </figure>
      ))}
    </section>
  );
}
