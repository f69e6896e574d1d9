import type { GitWorkspace } from "./git-workspace.ts";

/** The part of a project a forge needs to find its repository. */
export interface ForgeProject {
  id: number;
  path: string;
  defaultBranch: string;
}

/** A merge request in GitLab's shape, as the admin API returns it. */
export interface MergeRequest {
  id: number;
  iid: number;
  project_id: number;
  title: string;
  description: string;
  source_branch: string;
  target_branch: string;
  state: "opened" | "merged" | "closed";
  draft: boolean;
  web_url: string;
  merge_commit_sha: string | null;
  created_at: string;
  updated_at: string;
  merged_at: string | null;
  labels: string[];
}

export interface OpenMergeRequestInput {
  title: string;
  description: string;
  sourceBranch: string;
  targetBranch: string;
  externalReference: string;
  runId: number;
  /** Labels from the workflow definition; none by default. */
  labels?: string[] | undefined;
}

/** A note a run leaves on a merge request, once per `key`. */
export interface MergeRequestNote {
  /** Names the note among the merge request's notes (a run and what it
   * reports): a retry finds the note of its key and adds none. */
  key: string;
  /** Markdown, as GitLab renders a comment. */
  body: string;
}

export interface CheckoutResult {
  workspace: GitWorkspace;
  /** False when the branch already existed on the forge (a retry). */
  branchCreated: boolean;
}

/**
 * Where repositories and merge requests live. Every method is idempotent
 * where a workflow retry could call it twice: a second checkout of the
 * same branch reuses it, and the workflow asks for an open merge request
 * before opening one.
 */
export interface Forge {
  /** Clones the project into `dir` with `branch` checked out: the forge's
   * branch when it exists, otherwise a new one from the default branch. */
  checkout(
    project: ForgeProject,
    dir: string,
    branch: string,
    signal?: AbortSignal,
  ): Promise<CheckoutResult>;

  /** Pushes `branch` from the workspace to the forge. */
  push(
    workspace: GitWorkspace,
    branch: string,
    signal?: AbortSignal,
  ): Promise<void>;

  findOpenMergeRequest(
    project: ForgeProject,
    sourceBranch: string,
  ): Promise<MergeRequest | undefined>;

  openMergeRequest(
    project: ForgeProject,
    input: OpenMergeRequestInput,
  ): Promise<MergeRequest>;

  /** Replaces a merge request's description: a follow-up run adds its
   * instructions to the merge request it continues. */
  updateMergeRequestDescription(
    project: ForgeProject,
    iid: number,
    description: string,
  ): Promise<MergeRequest>;

  /** Leaves a note on a merge request, unless one of the same key is
   * there already. */
  addMergeRequestNote(
    project: ForgeProject,
    iid: number,
    note: MergeRequestNote,
  ): Promise<void>;

  /** A file's bytes at `ref`, or undefined when either does not exist. */
  readRepositoryFile(
    project: ForgeProject,
    ref: string,
    filePath: string,
    signal?: AbortSignal,
  ): Promise<Buffer | undefined>;
}
