import type { GitLabApi } from "../../forges/gitlab/gitlab-api.ts";
import type { RemoteMergeRequest } from "../executor.ts";

const MINUTE_MS = 60 * 1000;
// GitLab's clock and Flowgate's may differ a little.
const CLOCK_SKEW_MS = 5 * MINUTE_MS;
const PAGE_SIZE = 100;
// GitLab names the working ref of a flow `workloads/<hash>`; on versions
// that push it as a branch, the flow's merge request may come from it.
const WORKLOAD_BRANCH = "workloads/";

interface ListedMergeRequest {
  iid: number;
  web_url: string;
  title?: string | null;
  description?: string | null;
  source_branch: string;
  state: string;
}

export interface FlowMergeRequestQuery {
  projectId: number;
  /** The line the goal asked the description to end with. */
  marker: string;
  /** The flow's session page, which a flow may link instead. */
  flowUrl: string;
  /** The ticket's reference, which the goal asked the title to open. */
  externalReference: string;
  /** When the flow was started: its merge request came later. */
  since: Date;
}

/**
 * The merge request a Duo flow opened. GitLab runs a flow on a working
 * ref of its own and lets the agent name the branch it pushes, so the
 * branch says nothing; the merge request is found among those created
 * since the flow started: first by the marker the goal asked its
 * description to carry, then by a link to the flow's session, then as
 * the one from a `workloads/` branch titled with the ticket's
 * reference. An open one wins over a merged one; a closed one is
 * someone's rejection, never attached.
 * TODO: only the newest 100 created since the flow started are read; on
 * a project that opens more meanwhile the flow's may be missed, and the
 * run fails saying so. Paging back to the flow's start would close it.
 */
export async function findFlowMergeRequest(
  api: GitLabApi,
  query: FlowMergeRequestQuery,
  signal: AbortSignal,
): Promise<RemoteMergeRequest | undefined> {
  const since = new Date(query.since.getTime() - CLOCK_SKEW_MS);
  const listed =
    (await api.request<ListedMergeRequest[] | undefined>(
      "GET",
      `/projects/${query.projectId}/merge_requests`,
      {
        query: {
          created_after: since.toISOString(),
          order_by: "created_at",
          sort: "desc",
          per_page: PAGE_SIZE,
        },
        signal,
      },
    )) ?? [];
  const live = listed.filter(
    (one) => one.state === "opened" || one.state === "merged",
  );
  const titled = `${query.externalReference}:`;
  const found =
    pick(live, (one) => Boolean(one.description?.includes(query.marker))) ??
    pick(live, (one) => linksTo(one.description, query.flowUrl)) ??
    pick(
      live,
      (one) =>
        one.source_branch.startsWith(WORKLOAD_BRANCH) &&
        Boolean(one.title?.replace(/^Draft:\s*/i, "").startsWith(titled)),
    );
  return (
    found && {
      iid: found.iid,
      web_url: found.web_url,
      source_branch: found.source_branch,
    }
  );
}

function pick(
  mergeRequests: ListedMergeRequest[],
  matches: (one: ListedMergeRequest) => boolean,
): ListedMergeRequest | undefined {
  const matching = mergeRequests.filter(matches);
  return (
    matching.find((one) => one.state === "opened") ??
    matching.find((one) => one.state === "merged")
  );
}

/** True when the text links the URL itself, not a longer one
 * (session 12 is not session 123). */
function linksTo(text: string | null | undefined, url: string): boolean {
  let at = text?.indexOf(url) ?? -1;
  while (text && at !== -1) {
    if (!/[\w/]/.test(text.charAt(at + url.length))) return true;
    at = text.indexOf(url, at + 1);
  }
  return false;
}
