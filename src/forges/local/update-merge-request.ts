import type { ForgeProject, MergeRequest } from "../forge.ts";
import { ForgeNotFoundError } from "../forge-not-found-error.ts";
import type { LocalForgeContext } from "./local-forge-context.ts";
import { toMergeRequest } from "./merge-requests.ts";

/** Replaces an open merge request's description (GitLab's PUT of one
 * merge request, with only `description`). */
export async function updateMergeRequestDescription(
  context: LocalForgeContext,
  project: ForgeProject,
  iid: number,
  description: string,
): Promise<MergeRequest> {
  const row = await context.db
    .updateTable("merge_requests")
    .set({ description, updated_at: context.now().toISOString() })
    .where("project_id", "=", project.id)
    .where("iid", "=", iid)
    .returningAll()
    .executeTakeFirst();
  if (!row) {
    throw new ForgeNotFoundError(
      `merge request !${iid} of ${project.path} does not exist`,
    );
  }
  return toMergeRequest(context, project, row);
}
