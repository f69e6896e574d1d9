import type { Db } from "../store/database.ts";
import type { Forge, ForgeProject } from "./forge.ts";

/** A project as a forge of another kind needs it: its stored
 * `forge_config` (JSON; secrets in it sealed). */
export interface ConfiguredProject extends ForgeProject {
  forgeType: string;
  forgeConfig: string;
}

/** Builds the forge that serves one project of its kind. */
export type ForgeFactory = (project: ConfiguredProject) => Forge;

/**
 * Which forge serves a project: the local forge, or one of the kinds
 * registered by name (`gitlab`), built from the project's own settings.
 * The workflow asks here once per run, so a changed token is used by the
 * next run.
 */
export class ForgeRegistry {
  readonly #factories = new Map<string, ForgeFactory>();

  constructor(
    private readonly db: Db,
    readonly local: Forge,
  ) {}

  register(forgeType: string, factory: ForgeFactory): void {
    this.#factories.set(forgeType, factory);
  }

  async of(project: ForgeProject & { forgeType: string }): Promise<Forge> {
    if (project.forgeType === "local") return this.local;
    const factory = this.#factories.get(project.forgeType);
    if (!factory) {
      throw new Error(
        `project ${project.path} uses the forge "${project.forgeType}", ` +
          "which this build does not have",
      );
    }
    const row = await this.db
      .selectFrom("projects")
      .select("forge_config")
      .where("id", "=", project.id)
      .executeTakeFirstOrThrow();
    return factory({ ...project, forgeConfig: row.forge_config });
  }
}
