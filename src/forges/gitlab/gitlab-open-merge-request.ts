import type { MergeRequest, OpenMergeRequestInput } from "../forge.ts";
import { ForgeRefusedError } from "../forge-refused-error.ts";
import { assertRefName } from "../local/validate-input.ts";
import { GitLabError } from "./gitlab-api.ts";
import type { GitLabForgeContext } from "./gitlab-forge-context.ts";
import type { GitLabMergeRequestJson } from "./gitlab-merge-request-json.ts";
import { fromGitLab } from "./gitlab-merge-request-json.ts";
import {
  findOpenMergeRequest,
  mergeRequestsPath,
} from "./gitlab-merge-requests.ts";

// GitLab has no draft flag on create: a title with this prefix is one.
const DRAFT_PREFIX = "Draft: ";
const DRAFT_TITLE = /^\s*(draft:|\[draft\]|\(draft\))/i;

/**
 * Opens a draft merge request on GitLab, or answers the one already open
 * from the branch. GitLab answers 409 when there is one; and a create
 * whose answer was lost (a reset, a 502 from a proxy) may have happened,
 * so after any transient failure the open one is looked for before the
 * error is passed on. GitLabApi never repeats the POST itself.
 */
export async function openMergeRequest(
  context: GitLabForgeContext,
  input: OpenMergeRequestInput,
): Promise<MergeRequest> {
  assertRefName(input.sourceBranch, "source branch");
  assertRefName(input.targetBranch, "target branch");
  const labels = input.labels ?? [];

  try {
    const created = await context.api.request<GitLabMergeRequestJson>(
      "POST",
      mergeRequestsPath(context),
      {
        json: {
          source_branch: input.sourceBranch,
          target_branch: input.targetBranch,
          title: draftTitle(input.title),
          description: input.description,
          ...(labels.length > 0 ? { labels: labels.join(",") } : {}),
        },
      },
    );
    return fromGitLab(created);
  } catch (error) {
    if (error instanceof GitLabError && error.status === 422) {
      throw refusedInput(error, input);
    }
    const maybeOpen =
      error instanceof GitLabError && (error.status === 409 || error.transient);
    if (!maybeOpen) throw error;
    const open = await findOpenMergeRequest(context, input.sourceBranch).catch(
      (findError: unknown) => {
        throw new GitLabError(
          `${error.message}; looking for the merge request it may have ` +
            "opened failed too",
          error.status,
          true,
          { cause: findError },
        );
      },
    );
    if (open) return open;
    throw error;
  }
}

/** GitLab's 422: the fields of the merge request, which a retry sends
 * again unchanged. */
function refusedInput(
  error: GitLabError,
  input: OpenMergeRequestInput,
): ForgeRefusedError {
  return new ForgeRefusedError(
    `GitLab refused to open a merge request from ${input.sourceBranch} ` +
      `into ${input.targetBranch}: ${error.message}; check that both ` +
      "branches exist on GitLab and that the project allows merge requests",
    { cause: error },
  );
}

function draftTitle(title: string): string {
  return DRAFT_TITLE.test(title) ? title : `${DRAFT_PREFIX}${title}`;
}
