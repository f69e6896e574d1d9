import type { OutboundHttp } from "../../outbound/outbound-http.ts";
import type {
  CheckoutResult,
  Forge,
  ForgeProject,
  MergeRequest,
  MergeRequestNote,
  OpenMergeRequestInput,
} from "../forge.ts";
import type { GitWorkspace } from "../git-workspace.ts";
import { gitCredentials, gitRemoteUrl } from "./git-credentials.ts";
import { GitLabApi, type GitLabApiOptions } from "./gitlab-api.ts";
import { checkoutFromGitLab } from "./gitlab-checkout.ts";
import type { GitLabForgeContext } from "./gitlab-forge-context.ts";
import { addMergeRequestNote } from "./gitlab-merge-request-notes.ts";
import {
  findOpenMergeRequest,
  updateMergeRequestDescription,
} from "./gitlab-merge-requests.ts";
import { openMergeRequest } from "./gitlab-open-merge-request.ts";
import type { GitLabProjectConfig } from "./gitlab-project-config.ts";
import { pushToGitLab } from "./gitlab-push.ts";
import { readRepositoryFile } from "./gitlab-repository-files.ts";

export type GitLabForgeSettings = Pick<
  GitLabProjectConfig,
  "baseUrl" | "projectId" | "token"
> & {
  /** GitLab's `path_with_namespace`: the clone and push URL's path. */
  projectPath: string;
};

/**
 * The forge of one project on GitLab: git over HTTPS for the clone and
 * the push (the token out of band, in git's environment), the REST API
 * for merge requests and files. Each operation lives in its own file.
 */
export class GitLabForge implements Forge {
  readonly #context: GitLabForgeContext;

  constructor(
    settings: GitLabForgeSettings,
    http: OutboundHttp,
    options: GitLabApiOptions = {},
  ) {
    const baseUrl = settings.baseUrl.replace(/\/+$/, "");
    const { token } = settings;
    this.#context = {
      baseUrl,
      projectId: settings.projectId,
      remoteUrl: gitRemoteUrl(baseUrl, settings.projectPath),
      api: new GitLabApi({ baseUrl, token }, http, options),
      token,
      git: gitCredentials(baseUrl, token),
    };
  }

  checkout(
    project: ForgeProject,
    dir: string,
    branch: string,
    signal?: AbortSignal,
  ): Promise<CheckoutResult> {
    return checkoutFromGitLab(this.#context, project, dir, branch, signal);
  }

  push(
    workspace: GitWorkspace,
    branch: string,
    signal?: AbortSignal,
  ): Promise<void> {
    return pushToGitLab(this.#context, workspace, branch, signal);
  }

  findOpenMergeRequest(
    _project: ForgeProject,
    sourceBranch: string,
  ): Promise<MergeRequest | undefined> {
    return findOpenMergeRequest(this.#context, sourceBranch);
  }

  openMergeRequest(
    _project: ForgeProject,
    input: OpenMergeRequestInput,
  ): Promise<MergeRequest> {
    return openMergeRequest(this.#context, input);
  }

  updateMergeRequestDescription(
    _project: ForgeProject,
    iid: number,
    description: string,
  ): Promise<MergeRequest> {
    return updateMergeRequestDescription(this.#context, iid, description);
  }

  addMergeRequestNote(
    _project: ForgeProject,
    iid: number,
    note: MergeRequestNote,
  ): Promise<void> {
    return addMergeRequestNote(this.#context, iid, note);
  }

  readRepositoryFile(
    project: ForgeProject,
    ref: string,
    filePath: string,
    signal?: AbortSignal,
  ): Promise<Buffer | undefined> {
    return readRepositoryFile(this.#context, project, ref, filePath, signal);
  }
}
