import type { MergeRequest } from "../forge.ts";
import type { GitLabForgeContext } from "./gitlab-forge-context.ts";
import {
  fromGitLab,
  type GitLabMergeRequestJson,
} from "./gitlab-merge-request-json.ts";

/** `/projects/:id/merge_requests`, under GitLab's API. */
export function mergeRequestsPath(context: GitLabForgeContext): string {
  return `/projects/${context.projectId}/merge_requests`;
}

/** The open merge request from `sourceBranch` of the project itself
 * (not of a fork with a branch of the same name), or undefined. */
export async function findOpenMergeRequest(
  context: GitLabForgeContext,
  sourceBranch: string,
): Promise<MergeRequest | undefined> {
  const found = await context.api.request<GitLabMergeRequestJson[]>(
    "GET",
    mergeRequestsPath(context),
    { query: { source_branch: sourceBranch, state: "opened" } },
  );
  const own = found.find(
    (json) =>
      json.source_branch === sourceBranch &&
      (json.source_project_id ?? context.projectId) === context.projectId,
  );
  return own && fromGitLab(own);
}

/** Replaces a merge request's description (GitLab's PUT, only it). */
export async function updateMergeRequestDescription(
  context: GitLabForgeContext,
  iid: number,
  description: string,
): Promise<MergeRequest> {
  const updated = await context.api.request<GitLabMergeRequestJson>(
    "PUT",
    `${mergeRequestsPath(context)}/${iid}`,
    { json: { description } },
  );
  return fromGitLab(updated);
}
