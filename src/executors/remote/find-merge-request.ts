import type { GitLabApi } from "../../forges/gitlab/gitlab-api.ts";
import type { RemoteMergeRequest } from "../executor.ts";

interface ListedMergeRequest {
  iid: number;
  web_url: string;
  source_branch: string;
  state: string;
}

/**
 * The merge request that remote work opened from `sourceBranch`: the
 * newest open one, else the newest merged one (someone was quick). A
 * closed one is an earlier run's rejected work, not this run's.
 */
export async function findMergeRequest(
  api: GitLabApi,
  projectId: number,
  sourceBranch: string,
  signal: AbortSignal,
): Promise<RemoteMergeRequest | undefined> {
  const listed = await api.request<ListedMergeRequest[] | undefined>(
    "GET",
    `/projects/${projectId}/merge_requests`,
    {
      query: {
        source_branch: sourceBranch,
        order_by: "created_at",
        sort: "desc",
        per_page: 20,
      },
      signal,
    },
  );
  const candidates = (listed ?? []).filter(
    (mergeRequest) => mergeRequest.source_branch === sourceBranch,
  );
  const found =
    candidates.find((mergeRequest) => mergeRequest.state === "opened") ??
    candidates.find((mergeRequest) => mergeRequest.state === "merged");
  return (
    found && {
      iid: found.iid,
      web_url: found.web_url,
      source_branch: found.source_branch,
    }
  );
}
