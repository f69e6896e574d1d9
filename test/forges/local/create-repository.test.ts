import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ForgeInputError } from "../../../src/forges/forge-input-error.ts";
import { createRepository } from "../../../src/forges/local/create-repository.ts";
import {
  createForgeFixture,
  type ForgeFixture,
  git,
  makeTempDir,
} from "./forge-fixture.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function fixture(importPath?: string): Promise<ForgeFixture> {
  const created = await createForgeFixture(
    importPath === undefined ? {} : { importPath },
  );
  cleanups.push(created.close);
  return created;
}

/** A non-bare repository with two branches, as a team would import it. */
async function makeSourceRepository(defaultBranch: string): Promise<string> {
  const dir = makeTempDir("flowgate-import-");
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  await git(dir, "init", "--quiet", `--initial-branch=${defaultBranch}`);
  fs.mkdirSync(path.join(dir, "src"));
  fs.writeFileSync(path.join(dir, "src", "app.ts"), "export const app = 1;\n");
  await git(dir, "add", "--all");
  await git(dir, "commit", "--quiet", "-m", "Start");
  await git(dir, "branch", "feature");
  return dir;
}

describe("createRepository", () => {
  it("creates a bare repository whose default branch holds a README", async () => {
    const { forge, project, dataDir } = await fixture();
    const dir = path.join(dataDir, "repositories", "acme", "shop.git");

    expect(await git(dir, "rev-parse", "--is-bare-repository")).toBe("true");
    expect(await git(dir, "symbolic-ref", "HEAD")).toBe("refs/heads/main");
    const readme = await forge.readRepositoryFile(project, "main", "README.md");
    expect(readme?.toString()).toMatch(/^# acme\/shop\n/);
  });

  it("leaves an existing repository as it is when asked again", async () => {
    const { forge, project, dataDir } = await fixture();
    const dir = path.join(dataDir, "repositories", "acme", "shop.git");
    const before = await git(dir, "rev-parse", "main");

    const again = await forge.createRepository(project);

    expect(again).toEqual({ dir, created: false });
    expect(await git(dir, "rev-parse", "main")).toBe(before);
  });

  it("imports the branches and files of a local repository", async () => {
    const source = await makeSourceRepository("main");
    const { forge, project, dataDir } = await fixture(source);
    const dir = path.join(dataDir, "repositories", "acme", "shop.git");

    const file = await forge.readRepositoryFile(project, "main", "src/app.ts");
    expect(file?.toString()).toBe("export const app = 1;\n");
    expect(await git(dir, "branch", "--list", "feature")).toContain("feature");
    // Pushes must never reach the imported repository.
    expect(await git(dir, "remote")).toBe("");
  });

  it("refuses an import without the default branch and names the branches", async () => {
    const source = await makeSourceRepository("trunk");
    const repositoriesDir = makeTempDir("flowgate-repositories-");
    cleanups.push(() => fs.rmSync(repositoriesDir, { recursive: true }));

    const creating = createRepository({
      repositoriesDir,
      project: { path: "acme/shop", defaultBranch: "main" },
      importPath: source,
    });

    await expect(creating).rejects.toThrow(ForgeInputError);
    await expect(creating).rejects.toThrow(/one of: feature, trunk/);
    // Nothing half-made is left for a retry to mistake for a repository.
    expect(fs.readdirSync(path.join(repositoriesDir, "acme"))).toEqual([]);
  });

  it("refuses project paths and branches that could escape or be options", async () => {
    const repositoriesDir = makeTempDir("flowgate-repositories-");
    cleanups.push(() => fs.rmSync(repositoriesDir, { recursive: true }));
    const create = (projectPath: string, defaultBranch = "main") =>
      createRepository({
        repositoriesDir,
        project: { path: projectPath, defaultBranch },
      });

    await expect(create("../evil")).rejects.toThrow(ForgeInputError);
    await expect(create("acme/../../evil")).rejects.toThrow(ForgeInputError);
    await expect(create("/tmp/evil")).rejects.toThrow(ForgeInputError);
    await expect(create("acme/shop", "--bare")).rejects.toThrow(
      ForgeInputError,
    );
    expect(fs.readdirSync(repositoriesDir)).toEqual([]);
  });
});
