import { recordAuditEvent } from "../audit/audit-event.ts";
import type { SecretChangeContext } from "../audit/change-context.ts";
import { newSigningSecret } from "../crypto/tokens.ts";
import {
  type GitLabForgeInput,
  sealGitLabConfig,
} from "../forges/gitlab/gitlab-project-config.ts";
import { advanceIdentity, type DialectName } from "../store/dialect.ts";
import { type Project, toProject } from "./project.ts";

export interface NewGitLabProject {
  /** GitLab's project id, kept as Flowgate's so the URLs match. */
  id: number;
  path: string;
  defaultBranch: string;
  forge: GitLabForgeInput;
}

/**
 * Registers a project that lives on a GitLab instance. Nothing is made
 * on GitLab; the answer carries the secret GitLab's merge request
 * webhook must send, shown only here.
 */
export async function createGitLabProject(
  input: NewGitLabProject,
  context: SecretChangeContext & { dialect: DialectName },
): Promise<{ project: Project; webhookSecret: string }> {
  const webhookSecret = newSigningSecret();
  const row = await context.db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto("projects")
      .values({
        id: input.id,
        path: input.path,
        default_branch: input.defaultBranch,
        forge_type: "gitlab",
        forge_config: sealGitLabConfig(
          input.forge,
          input.id,
          webhookSecret,
          context.secretBox,
        ),
        created_at: context.now.toISOString(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    // A project numbered by GitLab moves the id counter past it, so a
    // local project made later does not take a number already used.
    await advanceIdentity(trx, context.dialect, "projects");
    await recordAuditEvent(trx, {
      actor: context.actor,
      project: inserted,
      action: "registered GitLab project",
      target: { type: "Project", id: inserted.id, details: inserted.path },
      details: { base_url: input.forge.base_url },
      ipAddress: context.ipAddress,
      at: context.now,
    });
    return inserted;
  });
  return { project: toProject(row), webhookSecret };
}
