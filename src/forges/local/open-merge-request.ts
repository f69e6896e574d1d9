import { isUniqueViolation } from "../../store/dialect.ts";
import type {
  ForgeProject,
  MergeRequest,
  OpenMergeRequestInput,
} from "../forge.ts";
import type { LocalForgeContext } from "./local-forge-context.ts";
import { findOpenMergeRequest, toMergeRequest } from "./merge-requests.ts";
import { assertRefName } from "./validate-input.ts";

// Each attempt loses only to a concurrent insert, which then exists.
const MAX_ATTEMPTS = 3;

/**
 * Opens a draft merge request with the project's next iid, or answers the
 * one already open from the same branch. Two processes opening at once
 * collide on a unique index; the loser answers the winner's merge request,
 * or takes the next iid when the winner opened one for another branch.
 */
export async function openMergeRequest(
  context: LocalForgeContext,
  project: ForgeProject,
  input: OpenMergeRequestInput,
): Promise<MergeRequest> {
  assertRefName(input.sourceBranch, "source branch");
  assertRefName(input.targetBranch, "target branch");

  for (let attempt = 1; ; attempt += 1) {
    try {
      return await insertUnlessOpen(context, project, input);
    } catch (error) {
      const collided = isUniqueViolation(error);
      if (collided) {
        const open = await findOpenMergeRequest(
          context,
          project,
          input.sourceBranch,
        );
        if (open) return open;
      }
      if (!collided || attempt >= MAX_ATTEMPTS) {
        throw new Error(
          `could not open a merge request from ${input.sourceBranch} in ` +
            `project ${project.path}`,
          { cause: error },
        );
      }
    }
  }
}

function insertUnlessOpen(
  context: LocalForgeContext,
  project: ForgeProject,
  input: OpenMergeRequestInput,
): Promise<MergeRequest> {
  return context.db.transaction().execute(async (trx) => {
    const open = await trx
      .selectFrom("merge_requests")
      .selectAll()
      .where("project_id", "=", project.id)
      .where("source_branch", "=", input.sourceBranch)
      .where("state", "=", "opened")
      .executeTakeFirst();
    if (open) return toMergeRequest(context, project, open);

    const { last } = await trx
      .selectFrom("merge_requests")
      .select((eb) => eb.fn.max<number | null>("iid").as("last"))
      .where("project_id", "=", project.id)
      .executeTakeFirstOrThrow();

    const now = context.now().toISOString();
    const row = await trx
      .insertInto("merge_requests")
      .values({
        project_id: project.id,
        iid: (last ?? 0) + 1,
        title: input.title,
        description: input.description,
        source_branch: input.sourceBranch,
        target_branch: input.targetBranch,
        state: "opened",
        draft: 1,
        external_reference: input.externalReference,
        run_id: input.runId,
        merge_commit_sha: null,
        created_at: now,
        updated_at: now,
        merged_at: null,
        labels: JSON.stringify(input.labels ?? []),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toMergeRequest(context, project, row);
  });
}
