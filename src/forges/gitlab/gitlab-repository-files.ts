import type { ForgeProject } from "../forge.ts";
import {
  assertRefName,
  assertRepositoryPath,
} from "../local/validate-input.ts";
import { GitLabError, gitlabHint } from "./gitlab-api.ts";
import type { GitLabForgeContext } from "./gitlab-forge-context.ts";

/**
 * The bytes of `filePath` at `ref` through GitLab's raw files API, or
 * undefined when GitLab has no such ref or file (404). The client's
 * retries and refusal hints apply as to every other call.
 */
export async function readRepositoryFile(
  context: GitLabForgeContext,
  project: ForgeProject,
  ref: string,
  filePath: string,
  signal?: AbortSignal,
): Promise<Buffer | undefined> {
  assertRefName(ref, "ref");
  assertRepositoryPath(filePath);
  try {
    return await context.api.requestBytes(
      `/projects/${context.projectId}/repository/files/` +
        `${encodeURIComponent(filePath)}/raw`,
      { query: { ref }, signal },
    );
  } catch (error) {
    if (error instanceof GitLabError && error.status === 404) {
      return undefined;
    }
    if (!(error instanceof GitLabError)) throw error;
    const hint = gitlabHint(error.status);
    const what =
      error.status === undefined
        ? error.message
        : `GitLab answered ${error.status}${hint ? `; ${hint}` : ""}`;
    throw new GitLabError(
      `reading ${filePath} at ${ref} of ${project.path} from GitLab ` +
        `failed: ${what}`,
      error.status,
      error.transient,
      { cause: error },
    );
  }
}
