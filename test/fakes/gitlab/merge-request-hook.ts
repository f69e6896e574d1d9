import { randomUUID } from "node:crypto";
import { runGit } from "../../../src/git/run-git.ts";
import type { FakeGitLab, FakeGitLabUser } from "./fake-gitlab.ts";
import type { FakeRepositories } from "./repository-routes.ts";

/** A project webhook as GitLab keeps it: the URL and its secret token. */
export interface FakeProjectHook {
  url: string;
  /** Sent as `X-Gitlab-Token` (the webhook's "Secret token"). */
  token: string;
}

/** What the webhook's receiver answered GitLab. */
export interface HookDeliveryAnswer {
  status: number;
  body: any;
  /** The payload as sent. */
  payload: Record<string, any>;
}

/**
 * Merges an open merge request on the fake, as GitLab's merge button does
 * for a branch made from the target (a fast-forward of the target branch
 * in the bare repository), then delivers GitLab's merge request event to
 * the project's webhook: `X-Gitlab-Event: Merge Request Hook`, the
 * secret token, `Idempotency-Key` and the documented payload (the fields
 * a receiver reads, and a few around them).
 */
export async function mergeAndNotify(
  fake: FakeGitLab,
  repositories: FakeRepositories,
  merge: { projectId: number; iid: number; by: FakeGitLabUser },
  hook: FakeProjectHook,
): Promise<HookDeliveryAnswer> {
  const project = repositories.byId(merge.projectId);
  const mergeRequest = fake.state.mergeRequests.find(
    (one) => one.project_id === merge.projectId && one.iid === merge.iid,
  );
  if (!project || !mergeRequest || mergeRequest.state !== "opened") {
    throw new Error(`the fake has no open merge request !${merge.iid}`);
  }
  const sha = await repositories.branchSha(
    project.id,
    mergeRequest.source_branch,
  );
  if (!sha) throw new Error(`${mergeRequest.source_branch} is not pushed`);
  await runGit(
    ["update-ref", `refs/heads/${mergeRequest.target_branch}`, sha],
    { cwd: project.dir },
  );
  mergeRequest.state = "merged";

  const payload = {
    object_kind: "merge_request",
    event_type: "merge_request",
    user: {
      id: merge.by.id,
      name: merge.by.username,
      username: merge.by.username,
    },
    project: {
      id: project.id,
      path_with_namespace: project.path,
      default_branch: project.defaultBranch,
      web_url: `${fake.url}/${project.path}`,
    },
    object_attributes: {
      id: mergeRequest.id,
      iid: mergeRequest.iid,
      title: mergeRequest.title,
      source_branch: mergeRequest.source_branch,
      target_branch: mergeRequest.target_branch,
      source_project_id: project.id,
      target_project_id: project.id,
      state: "merged",
      merge_commit_sha: sha,
      url: mergeRequest.web_url,
      action: "merge",
    },
    labels: [],
    changes: { state_id: { previous: 1, current: 3 } },
  };
  const response = await fetch(hook.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "GitLab/17.6.0",
      "x-gitlab-event": "Merge Request Hook",
      "x-gitlab-token": hook.token,
      "x-gitlab-event-uuid": randomUUID(),
      "x-gitlab-webhook-uuid": randomUUID(),
      "idempotency-key": randomUUID(),
      "x-gitlab-instance": fake.url,
    },
    body: JSON.stringify(payload),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : undefined,
    payload,
  };
}
