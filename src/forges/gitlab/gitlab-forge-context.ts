import type { GitCredentials } from "./git-credentials.ts";
import type { GitLabApi } from "./gitlab-api.ts";

/** What every GitLab forge operation needs; GitLabForge holds one. */
export interface GitLabForgeContext {
  /** The instance, e.g. `https://gitlab.com`, without a trailing slash. */
  baseUrl: string;
  /** GitLab's id of the project, in every API path. */
  projectId: number;
  /** `{base_url}/{path}.git`, from Flowgate's settings: never read back
   * from a workspace, whose `.git/config` the agent's commands can edit. */
  remoteUrl: string;
  api: GitLabApi;
  token: string;
  /** The token as git is given it. */
  git: GitCredentials;
}
