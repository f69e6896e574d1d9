import fs from "node:fs/promises";
import type http from "node:http";
import os from "node:os";
import path from "node:path";
import { GitError } from "../../../src/git/git-error.ts";
import { resolveCommit } from "../../../src/git/resolve-commit.ts";
import { runGit, runGitRaw } from "../../../src/git/run-git.ts";
import type {
  FakeGitLab,
  FakeGitLabUser,
  RouteContext,
} from "./fake-gitlab.ts";
import { runHttpBackend } from "./git-http-backend.ts";
import { addMergeRequestRoutes } from "./merge-request-routes.ts";

/** A GitLab project of the fake, with its bare repository. */
export interface FakeGitLabProject {
  id: number;
  /** GitLab's `path_with_namespace`. */
  path: string;
  defaultBranch: string;
  /** The bare repository on disk. */
  dir: string;
}

export interface NewFakeProject {
  id: number;
  path: string;
  defaultBranch?: string;
  /** The first commit's files; a README when absent. */
  files?: Record<string, string>;
}

export interface FakeRepositories {
  root: string;
  /** Creates the project's bare repository with one commit. */
  create(project: NewFakeProject): Promise<FakeGitLabProject>;
  byId(id: number): FakeGitLabProject | undefined;
  /** The commit a branch points at, or undefined when it does not exist. */
  branchSha(projectId: number, branch: string): Promise<string | undefined>;
  /** Every branch of the project's repository, sorted. */
  branches(projectId: number): Promise<string[]>;
  remove(): Promise<void>;
}

// GitLab's access levels (PROVIDERS.md): Reporters read code, Developers
// push it and open merge requests.
export const REPORTER = 20;
export const DEVELOPER = 30;

const GIT_PATH = /^\/(.+)\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/;
const RAW_FILE =
  /^\/api\/v4\/projects\/(\d+)\/repository\/files\/([^/]+)\/raw$/;

/**
 * Gives the fake GitLab repositories: git's smart HTTP protocol at
 * `/<path>.git/…` (served by the real `git http-backend`, accepting a
 * token as the Basic password, as GitLab does), the raw files API, and
 * the merge request API over `fake.state.mergeRequests`.
 */
export async function addRepositoryRoutes(
  fake: FakeGitLab,
): Promise<FakeRepositories> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "fake-gitlab-"));
  const projects = new Map<number, FakeGitLabProject>();
  const byPath = (wanted: string) =>
    [...projects.values()].find((project) => project.path === wanted);

  const repositories: FakeRepositories = {
    root,
    async create(project) {
      const created = {
        id: project.id,
        path: project.path,
        defaultBranch: project.defaultBranch ?? "main",
        dir: path.join(root, `${project.path}.git`),
      };
      await seedBareRepository(
        created,
        project.files ?? { "README.md": `# ${project.path}\n` },
      );
      projects.set(project.id, created);
      return created;
    },
    byId: (id) => projects.get(id),
    async branchSha(projectId, branch) {
      const project = projects.get(projectId);
      if (!project) return undefined;
      return resolveCommit(project.dir, `refs/heads/${branch}`);
    },
    async branches(projectId) {
      const project = projects.get(projectId);
      if (!project) return [];
      const listed = await runGit(
        ["for-each-ref", "--format=%(refname:short)", "refs/heads"],
        { cwd: project.dir },
      );
      return listed.split("\n").filter(Boolean).sort();
    },
    remove: () => fs.rm(root, { recursive: true, force: true }),
  };

  fake.route({
    method: "GET",
    pattern: GIT_PATH,
    public: true,
    handle: (context) => serveGit(fake, repositories, byPath, context),
  });
  fake.route({
    method: "POST",
    pattern: GIT_PATH,
    public: true,
    handle: (context) => serveGit(fake, repositories, byPath, context),
  });
  fake.route({
    method: "GET",
    pattern: RAW_FILE,
    handle: async ({ match, url, user, response }) => {
      const project = projects.get(Number(match[1]));
      if (!project || accessOf(user, project.id) < REPORTER) {
        return { status: 404, body: { message: "404 Project Not Found" } };
      }
      const filePath = decodeURIComponent(match[2] ?? "");
      const ref = url.searchParams.get("ref") ?? project.defaultBranch;
      const content = await blobAt(project.dir, ref, filePath);
      if (!content) {
        return { status: 404, body: { message: "404 File Not Found" } };
      }
      response.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      response.end(content);
      return undefined;
    },
  });
  addMergeRequestRoutes(fake, repositories);
  return repositories;
}

async function serveGit(
  fake: FakeGitLab,
  repositories: FakeRepositories,
  byPath: (wanted: string) => FakeGitLabProject | undefined,
  { request, url, match, response }: RouteContext,
): Promise<undefined> {
  // git over HTTP takes Basic credentials only, the token as password.
  const basic = /^Basic /i.test(request.headers.authorization ?? "");
  const user = basic ? fake.userOf(request.headers) : undefined;
  if (!user) {
    sendText(response, 401, "HTTP Basic: Access denied", {
      "www-authenticate": 'Basic realm="GitLab"',
    });
    return undefined;
  }
  const project = byPath(match[1] ?? "");
  if (!project || accessOf(user, project.id) < REPORTER) {
    sendText(
      response,
      404,
      "The project you were looking for could not be found or you " +
        "don't have permission to view it.",
    );
    return undefined;
  }
  const pushing =
    match[2] === "git-receive-pack" ||
    url.searchParams.get("service") === "git-receive-pack";
  if (pushing && accessOf(user, project.id) < DEVELOPER) {
    sendText(
      response,
      403,
      "You are not allowed to push code to this project.",
    );
    return undefined;
  }

  const answer = await runHttpBackend(repositories.root, {
    method: request.method,
    pathInfo: `/${project.path}.git/${match[2]}`,
    query: url.search.replace(/^\?/, ""),
    remoteUser: user.username,
    headers: request.headers,
    body: request.body,
  });
  response.writeHead(answer.status, answer.headers);
  response.end(answer.body);
  return undefined;
}

export function accessOf(
  user: FakeGitLabUser | undefined,
  projectId: number,
): number {
  return user?.access[projectId] ?? 0;
}

function sendText(
  response: http.ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { "content-type": "text/plain", ...headers });
  response.end(text);
}

/** A file's bytes at `ref`, or undefined for a missing ref, path or a
 * directory. */
async function blobAt(
  dir: string,
  ref: string,
  filePath: string,
): Promise<Buffer | undefined> {
  if (ref.startsWith("-")) return undefined;
  try {
    return await runGitRaw(["cat-file", "blob", `${ref}:${filePath}`], {
      cwd: dir,
    });
  } catch (error) {
    if (error instanceof GitError) return undefined;
    throw error;
  }
}

/** A bare repository whose default branch holds one commit of `files`. */
async function seedBareRepository(
  project: FakeGitLabProject,
  files: Record<string, string>,
): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), "fake-gitlab-seed-"));
  try {
    await runGit(["init", "--quiet", "-b", project.defaultBranch, work], {
      cwd: work,
    });
    for (const [file, content] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(work, file)), { recursive: true });
      await fs.writeFile(path.join(work, file), content);
    }
    await runGit(["add", "--all"], { cwd: work });
    await runGit(["commit", "--quiet", "-m", "Initial commit"], { cwd: work });
    await fs.mkdir(path.dirname(project.dir), { recursive: true });
    await runGit(["clone", "--quiet", "--bare", work, project.dir], {
      cwd: work,
    });
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
