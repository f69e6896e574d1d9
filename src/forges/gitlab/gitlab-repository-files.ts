import {
  OutboundError,
  OutboundStatusError,
} from "../../outbound/outbound-errors.ts";
import type { ForgeProject } from "../forge.ts";
import {
  assertRefName,
  assertRepositoryPath,
} from "../local/validate-input.ts";
import { GitLabError } from "./gitlab-api.ts";
import type { GitLabForgeContext } from "./gitlab-forge-context.ts";

const HINTS: Record<number, string> = {
  401:
    "the project's GitLab token is wrong, expired or revoked: set a new " +
    "one on the project",
  403:
    "the token needs the api scope and its user at least the Reporter " +
    "role on the project",
};

/**
 * The bytes of `filePath` at `ref` through GitLab's raw files API, or
 * undefined when GitLab has no such ref or file (404).
 *
 * TODO: GitLabApi answers JSON only, so this call goes to the outbound
 * client itself and has none of its retries (the run's job retries a
 * transient failure instead), and the client's text answer makes the
 * bytes those of UTF-8 text. Both are fine for .flowgate/workflows.yml,
 * the one file read; a binary-safe GitLabApi.requestRaw should replace
 * this before anything else is read.
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
  const url = new URL(
    `${context.baseUrl}/api/v4/projects/${context.projectId}` +
      `/repository/files/${encodeURIComponent(filePath)}/raw`,
  );
  url.searchParams.set("ref", ref);

  try {
    const response = await context.http.send({
      method: "GET",
      url: url.toString(),
      headers: { "private-token": context.token, accept: "*/*" },
      ...(signal ? { signal } : {}),
    });
    return Buffer.from(response.text, "utf8");
  } catch (error) {
    if (error instanceof OutboundStatusError && error.status === 404) {
      return undefined;
    }
    if (!(error instanceof OutboundError)) throw error;
    const status =
      error instanceof OutboundStatusError ? error.status : undefined;
    const hint = status === undefined ? undefined : HINTS[status];
    throw new GitLabError(
      `reading ${filePath} at ${ref} of ${project.path} from GitLab ` +
        `failed: ${error.message}${hint ? `; ${hint}` : ""}`,
      status,
      error.transient,
      { cause: error },
    );
  }
}
