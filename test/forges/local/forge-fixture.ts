import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ForgeProject } from "../../../src/forges/forge.ts";
import type { GitWorkspace } from "../../../src/forges/git-workspace.ts";
import { LocalForge } from "../../../src/forges/local/local-forge.ts";
import { runGit } from "../../../src/git/run-git.ts";
import { openStore, type Store } from "../../../src/store/database.ts";

/** A migrated SQLite store, a local forge and one registered project. */
export interface ForgeFixture {
  dataDir: string;
  store: Store;
  forge: LocalForge;
  project: ForgeProject;
  /** A fresh, not yet existing directory for a checkout. */
  workDir(name: string): string;
  close(): Promise<void>;
}

export const FIXED_NOW = new Date("2025-01-02T03:04:05.000Z");

export async function createForgeFixture(
  options: { projectPath?: string; importPath?: string } = {},
): Promise<ForgeFixture> {
  const dataDir = makeTempDir("flowgate-forge-");
  const store = await openStore({ dataDir, databaseUrl: undefined });
  const projectPath = options.projectPath ?? "acme/shop";

  const row = await store.db
    .insertInto("projects")
    .values({
      path: projectPath,
      default_branch: "main",
      forge_type: "local",
      forge_config: "{}",
      created_at: FIXED_NOW.toISOString(),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const project = { id: row.id, path: projectPath, defaultBranch: "main" };

  const forge = new LocalForge({
    db: store.db,
    repositoriesDir: path.join(dataDir, "repositories"),
    publicUrl: "http://flowgate.test/",
    now: () => FIXED_NOW,
  });
  await forge.createRepository(project, options.importPath);

  return {
    dataDir,
    store,
    forge,
    project,
    workDir: (name) => path.join(dataDir, "workspaces", name),
    close: async () => {
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Checks out `branch`, writes the files, commits and pushes them. */
let checkouts = 0;

export async function pushFiles(
  fixture: ForgeFixture,
  branch: string,
  files: Record<string, string>,
): Promise<GitWorkspace> {
  checkouts += 1;
  const dir = fixture.workDir(`push-${checkouts}`);
  const { workspace } = await fixture.forge.checkout(
    fixture.project,
    dir,
    branch,
  );
  for (const [file, content] of Object.entries(files)) {
    await workspace.writeFile(file, content);
  }
  await workspace.commitAll(`Change ${Object.keys(files).join(", ")}`);
  await fixture.forge.push(workspace, branch);
  return workspace;
}

export async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await runGit(args, { cwd })).trim();
}
