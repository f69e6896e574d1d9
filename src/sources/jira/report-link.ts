import { createHash } from "node:crypto";
import type { ReportCall, ReportOutcome } from "../../outbox/reporter.ts";
import type { JiraApi } from "./jira-api.ts";

// Jira refuses a longer globalId.
const MAX_GLOBAL_ID_CHARS = 255;

/**
 * Links the ticket to the run's merge request. Jira upserts a remote
 * link by its globalId; the merge request's URL is that id, so a
 * repeated message, or a later run with the same merge request, updates
 * the one link instead of adding another.
 */
export async function reportLink(
  api: JiraApi,
  call: ReportCall,
): Promise<ReportOutcome> {
  const mergeRequest = call.report.mergeRequest;
  if (!mergeRequest) {
    return { details: { skipped: "the run has no merge request" } };
  }

  const title = `Merge request !${mergeRequest.iid}`;
  await api.send({
    method: "POST",
    path: api.issuePath("/remotelink"),
    json: {
      globalId: globalIdOf(mergeRequest.webUrl),
      object: {
        url: mergeRequest.webUrl,
        title,
        summary: `Opened by Flowgate run #${call.report.runId}`,
      },
    },
    needs: "Link issues",
  });
  return { details: { linked: mergeRequest.webUrl, title } };
}

function globalIdOf(url: string): string {
  if (url.length <= MAX_GLOBAL_ID_CHARS) return url;
  return `flowgate:mr:${createHash("sha256").update(url).digest("hex")}`;
}
