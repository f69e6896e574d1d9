import { recordAuditEvent } from "../audit/audit-event.ts";
import type { SecretChangeContext } from "../audit/change-context.ts";
import { newSigningSecret } from "../crypto/tokens.ts";
import {
  changeGitLabConfig,
  type GitLabForgeChanges,
} from "../forges/gitlab/gitlab-project-config.ts";
import type { Project } from "./project.ts";
import { toProject } from "./project.ts";

export interface GitLabProjectChanges {
  forge: GitLabForgeChanges;
  rotateWebhookSecret: boolean;
}

/**
 * Changes a GitLab project's forge settings: a new token after a
 * revocation, the pipeline trigger token, another base URL, a new
 * webhook secret (answered once, like at registration; the old one stops
 * working at once). The audit event names what changed, never a value.
 */
export async function updateGitLabProject(
  project: Project,
  changes: GitLabProjectChanges,
  context: SecretChangeContext,
): Promise<{ project: Project; webhookSecret: string | undefined }> {
  const webhookSecret = changes.rotateWebhookSecret
    ? newSigningSecret()
    : undefined;
  const row = await context.db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom("projects")
      .select("forge_config")
      .where("id", "=", project.id)
      .executeTakeFirstOrThrow();
    const updated = await trx
      .updateTable("projects")
      .set({
        forge_config: changeGitLabConfig(
          current.forge_config,
          changes.forge,
          webhookSecret,
          context.secretBox,
        ),
      })
      .where("id", "=", project.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAuditEvent(trx, {
      actor: context.actor,
      project: updated,
      action: "changed GitLab project settings",
      target: { type: "Project", id: updated.id, details: updated.path },
      details: {
        changed: [
          ...Object.keys(changes.forge),
          ...(webhookSecret ? ["webhook_secret"] : []),
        ],
      },
      ipAddress: context.ipAddress,
      at: context.now,
    });
    return updated;
  });
  return { project: toProject(row), webhookSecret };
}
