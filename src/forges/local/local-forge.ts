import type {
  CheckoutResult,
  Forge,
  ForgeProject,
  MergeRequest,
  MergeRequestNote,
  OpenMergeRequestInput,
} from "../forge.ts";
import type { GitWorkspace } from "../git-workspace.ts";
import { checkoutBranch } from "./checkout.ts";
import { type Comparison, compareRefs } from "./compare.ts";
import {
  type CreatedRepository,
  createRepository,
} from "./create-repository.ts";
import type { LocalForgeContext } from "./local-forge-context.ts";
import { type MergedHook, mergeMergeRequest } from "./merge.ts";
import {
  findOpenMergeRequest,
  getMergeRequest,
  listMergeRequests,
  type MergeRequestPage,
  type MergeRequestQuery,
} from "./merge-requests.ts";
import { openMergeRequest } from "./open-merge-request.ts";
import { readRepositoryFile } from "./repository-files.ts";
import { updateMergeRequestDescription } from "./update-merge-request.ts";
import { assertRefName } from "./validate-input.ts";

export type LocalForgeOptions = LocalForgeContext;

/**
 * The embedded forge: bare repositories under `repositoriesDir`, merge
 * requests in the database. Besides the Forge interface it answers what
 * the admin API serves in GitLab's shapes (merge requests, files,
 * comparisons); each operation lives in its own file.
 */
export class LocalForge implements Forge {
  private readonly context: LocalForgeContext;

  constructor(options: LocalForgeOptions) {
    this.context = { ...options };
  }

  /** Creates the project's bare repository; a no-op when it exists. */
  createRepository(
    project: Pick<ForgeProject, "path" | "defaultBranch">,
    importPath?: string,
    signal?: AbortSignal,
  ): Promise<CreatedRepository> {
    return createRepository({
      repositoriesDir: this.context.repositoriesDir,
      project,
      importPath,
      signal,
    });
  }

  checkout(
    project: ForgeProject,
    dir: string,
    branch: string,
    signal?: AbortSignal,
  ): Promise<CheckoutResult> {
    return checkoutBranch(this.context, project, dir, branch, signal);
  }

  /** Nothing to send: a local workspace is a worktree of the forge's
   * repository, so its commits are on the branch as soon as they exist. */
  async push(
    _workspace: GitWorkspace,
    branch: string,
    _signal?: AbortSignal,
  ): Promise<void> {
    assertRefName(branch, "branch");
  }

  findOpenMergeRequest(
    project: ForgeProject,
    sourceBranch: string,
  ): Promise<MergeRequest | undefined> {
    return findOpenMergeRequest(this.context, project, sourceBranch);
  }

  openMergeRequest(
    project: ForgeProject,
    input: OpenMergeRequestInput,
  ): Promise<MergeRequest> {
    return openMergeRequest(this.context, project, input);
  }

  updateMergeRequestDescription(
    project: ForgeProject,
    iid: number,
    description: string,
  ): Promise<MergeRequest> {
    return updateMergeRequestDescription(
      this.context,
      project,
      iid,
      description,
    );
  }

  /**
   * Nothing to leave: the local forge's merge requests have no notes (the
   * admin API serves none, and keeping them would need a table of their
   * own). What a note would say is already on the run's timeline, and a
   * follow-up's instructions are in the merge request's description.
   */
  async addMergeRequestNote(
    _project: ForgeProject,
    _iid: number,
    _note: MergeRequestNote,
  ): Promise<void> {}

  listMergeRequests(
    project: ForgeProject,
    query: MergeRequestQuery,
  ): Promise<MergeRequestPage> {
    return listMergeRequests(this.context, project, query);
  }

  getMergeRequest(
    project: ForgeProject,
    iid: number,
  ): Promise<MergeRequest | undefined> {
    return getMergeRequest(this.context, project, iid);
  }

  mergeMergeRequest(
    project: ForgeProject,
    iid: number,
    signal?: AbortSignal,
    onMerged?: MergedHook,
  ): Promise<MergeRequest> {
    return mergeMergeRequest(this.context, project, iid, signal, onMerged);
  }

  readRepositoryFile(
    project: ForgeProject,
    ref: string,
    filePath: string,
    signal?: AbortSignal,
  ): Promise<Buffer | undefined> {
    return readRepositoryFile(this.context, project, ref, filePath, signal);
  }

  compareRefs(
    project: ForgeProject,
    from: string,
    to: string,
    signal?: AbortSignal,
  ): Promise<Comparison> {
    return compareRefs(this.context, project, from, to, signal);
  }
}
