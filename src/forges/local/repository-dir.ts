import fs from "node:fs/promises";
import path from "node:path";
import { ForgeInputError } from "../forge-input-error.ts";
import { ForgeNotFoundError } from "../forge-not-found-error.ts";

// A project path is one or more names joined by "/"; no name may start
// with "." or "-", so "..", ".git" and option-like names never occur.
const PROJECT_PATH =
  /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/;

/** Where the bare repository of the project at `projectPath` lives. */
export function repositoryDir(
  repositoriesDir: string,
  projectPath: string,
): string {
  if (!PROJECT_PATH.test(projectPath)) {
    throw new ForgeInputError(
      `project path ${JSON.stringify(projectPath)} must be names of ` +
        'letters, digits, "_", "." and "-" joined by "/"',
    );
  }
  return path.join(repositoriesDir, `${projectPath}.git`);
}

/** Like repositoryDir, but the repository must already exist. */
export async function existingRepositoryDir(
  repositoriesDir: string,
  projectPath: string,
): Promise<string> {
  const dir = repositoryDir(repositoriesDir, projectPath);
  try {
    await fs.access(path.join(dir, "HEAD"));
  } catch (error) {
    throw new ForgeNotFoundError(
      `project ${projectPath} has no repository at ${dir}; register the ` +
        "project again to create it",
      { cause: error },
    );
  }
  return dir;
}
