import type { Logger } from "pino";
import { SYSTEM_ACTOR } from "../audit/audit-event.ts";
import type { SecretBox } from "../crypto/secret-box.ts";
import { hashToken } from "../crypto/tokens.ts";
import type { LocalForge } from "../forges/local/local-forge.ts";
import { createProject } from "../projects/create-project.ts";
import { findProject, type Project } from "../projects/project.ts";
import type { Db } from "../store/database.ts";
import { createTrigger } from "../triggers/create-trigger.ts";
import { toTrigger } from "../triggers/trigger.ts";
import { updateTrigger } from "../triggers/update-trigger.ts";
import type { DeclaredConfig, DeclaredTrigger } from "./declared-config.ts";
import { ConfigError } from "./read-config.ts";

interface Context {
  db: Db;
  forge: LocalForge;
  secretBox: SecretBox;
  logger: Logger;
  now: Date;
}

/**
 * Makes the database match the declared projects and triggers: missing
 * ones are created, declared triggers (found by name) get the declared
 * settings. Objects created through the API are left alone.
 */
export async function applyDeclaredConfig(
  declared: DeclaredConfig,
  context: Context,
): Promise<void> {
  const change = { ...context, actor: SYSTEM_ACTOR, ipAddress: null };
  for (const declaredProject of declared.projects) {
    const project =
      (await findProject(context.db, declaredProject.path)) ??
      (await createProject(
        {
          path: declaredProject.path,
          defaultBranch: declaredProject.default_branch ?? "main",
          importPath: declaredProject.import_path,
        },
        change,
      ));
    for (const trigger of declaredProject.triggers) {
      await applyTrigger(project, trigger, change);
    }
    context.logger.info(
      { project: project.path, triggers: declaredProject.triggers.length },
      "applied declared project",
    );
  }
}

async function applyTrigger(
  project: Project,
  declared: DeclaredTrigger,
  change: Context & { actor: typeof SYSTEM_ACTOR; ipAddress: null },
): Promise<void> {
  const { token, signing_secret: signingSecret, ...settings } = declared;
  const row = await change.db
    .selectFrom("triggers")
    .selectAll()
    .where("project_id", "=", project.id)
    .where("name", "=", declared.name)
    .executeTakeFirst();

  if (!row) {
    await createTrigger(project, settings, change, { token, signingSecret });
    return;
  }
  if (row.source !== declared.source) {
    throw new ConfigError(
      "FLOWGATE_CONFIG",
      `trigger "${declared.name}" of ${project.path} exists with source ` +
        `${row.source}; a trigger's source cannot change (rename it instead)`,
    );
  }

  const { source: _source, ...changes } = settings;
  await updateTrigger(project, toTrigger(row, change.now), changes, change);
  if (token !== undefined || signingSecret !== undefined) {
    await change.db
      .updateTable("triggers")
      .set({
        ...(token === undefined ? {} : { token_hash: hashToken(token) }),
        ...(signingSecret === undefined
          ? {}
          : { signing_secret: change.secretBox.seal(signingSecret) }),
      })
      .where("id", "=", row.id)
      .execute();
  }
}
