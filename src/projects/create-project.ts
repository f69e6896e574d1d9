import { recordAuditEvent } from "../audit/audit-event.ts";
import type { ChangeContext } from "../audit/change-context.ts";
import type { LocalForge } from "../forges/local/local-forge.ts";
import { type Project, toProject } from "./project.ts";

export interface NewProject {
  path: string;
  defaultBranch: string;
  importPath?: string | undefined;
}

interface Context extends ChangeContext {
  forge: LocalForge;
}

/**
 * Creates the repository, then the project row and its audit event. The
 * repository comes first because creating it is idempotent: a failure
 * after it leaves nothing a retry would trip over, and no project row
 * ever points at a missing repository.
 */
export async function createProject(
  input: NewProject,
  context: Context,
): Promise<Project> {
  await context.forge.createRepository(
    { path: input.path, defaultBranch: input.defaultBranch },
    input.importPath,
  );

  const row = await context.db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto("projects")
      .values({
        path: input.path,
        default_branch: input.defaultBranch,
        forge_type: "local",
        forge_config: "{}",
        created_at: context.now.toISOString(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAuditEvent(trx, {
      actor: context.actor,
      project: inserted,
      action: input.importPath ? "imported project" : "created project",
      target: { type: "Project", id: inserted.id, details: inserted.path },
      ipAddress: context.ipAddress,
      at: context.now,
    });
    return inserted;
  });
  return toProject(row);
}
