import type { MergeRequest } from "../forge.ts";

/** A merge request as GitLab's REST API answers it (the fields read). */
export interface GitLabMergeRequestJson {
  id: number;
  iid: number;
  project_id: number;
  /** Differs from `project_id` for a merge request from a fork. */
  source_project_id?: number;
  title: string;
  description: string | null;
  source_branch: string;
  target_branch: string;
  state: string;
  draft?: boolean;
  /** What GitLab before 14.0 called `draft`. */
  work_in_progress?: boolean;
  web_url: string;
  merge_commit_sha?: string | null;
  squash_commit_sha?: string | null;
  created_at: string;
  updated_at: string;
  merged_at?: string | null;
  labels?: string[];
}

/** GitLab's answer in the forge's MergeRequest type; `web_url` stays
 * GitLab's own. */
export function fromGitLab(json: GitLabMergeRequestJson): MergeRequest {
  return {
    id: json.id,
    iid: json.iid,
    project_id: json.project_id,
    title: json.title,
    description: json.description ?? "",
    source_branch: json.source_branch,
    target_branch: json.target_branch,
    state: stateOf(json.state),
    draft: json.draft ?? json.work_in_progress ?? false,
    web_url: json.web_url,
    merge_commit_sha: json.merge_commit_sha ?? json.squash_commit_sha ?? null,
    created_at: json.created_at,
    updated_at: json.updated_at,
    merged_at: json.merged_at ?? null,
    labels: json.labels ?? [],
  };
}

function stateOf(state: string): MergeRequest["state"] {
  if (state === "opened" || state === "merged" || state === "closed") {
    return state;
  }
  // GitLab holds a merge request "locked" while it merges it: still open.
  if (state === "locked") return "opened";
  throw new Error(
    `GitLab answered the merge request state ${JSON.stringify(state)}, ` +
      "which Flowgate does not know",
  );
}
