import type { Selectable } from "kysely";
import { gitlabConfigView } from "../forges/gitlab/gitlab-project-config.ts";
import type { Db } from "../store/database.ts";
import type { ProjectTable } from "../store/schema.ts";

export interface Project {
  id: number;
  path: string;
  defaultBranch: string;
  forgeType: string;
  /** The forge's settings as stored (JSON, secrets sealed). */
  forgeConfig: string;
  createdAt: string;
}

export function toProject(row: Selectable<ProjectTable>): Project {
  return {
    id: row.id,
    path: row.path,
    defaultBranch: row.default_branch,
    forgeType: row.forge_type,
    forgeConfig: row.forge_config,
    createdAt: row.created_at,
  };
}

/**
 * Finds a project by numeric id or by its path ("acme/shop", which the
 * URL carries encoded as "acme%2Fshop"), as GitLab does.
 */
export async function findProject(
  db: Db,
  idOrPath: string,
): Promise<Project | undefined> {
  const query = db.selectFrom("projects").selectAll();
  const row = /^\d+$/.test(idOrPath)
    ? await query.where("id", "=", Number(idOrPath)).executeTakeFirst()
    : await query.where("path", "=", idOrPath).executeTakeFirst();
  return row && toProject(row);
}

/** The project as the admin API shows it, in GitLab's field names. */
export function projectView(project: Project, publicUrl: string) {
  return {
    id: project.id,
    path_with_namespace: project.path,
    path: project.path.split("/").at(-1),
    default_branch: project.defaultBranch,
    forge:
      project.forgeType === "gitlab"
        ? gitlabConfigView(project.forgeConfig)
        : { type: project.forgeType },
    web_url: `${publicUrl}/${project.path}`,
    created_at: project.createdAt,
  };
}
