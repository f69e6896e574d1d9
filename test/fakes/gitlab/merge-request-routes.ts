import type {
  FakeGitLab,
  FakeMergeRequest,
  RouteAnswer,
  RouteContext,
} from "./fake-gitlab.ts";
import { addNoteRoutes } from "./note-routes.ts";
import {
  accessOf,
  DEVELOPER,
  type FakeGitLabProject,
  type FakeRepositories,
  REPORTER,
} from "./repository-routes.ts";

const LIST = /^\/api\/v4\/projects\/(\d+)\/merge_requests$/;
const ONE = /^\/api\/v4\/projects\/(\d+)\/merge_requests\/(\d+)$/;
// GitLab reads a title with one of these prefixes as a draft.
const DRAFT_TITLE = /^\s*(\[draft\]|\(draft\)|draft:|draft\s-\s|draft\s)/i;

/** Times GitLab keeps on a merge request; the shared state has none. */
interface Stamps {
  created_at: string;
  updated_at: string;
}
type StampedMergeRequest = FakeMergeRequest & Partial<Stamps>;

/**
 * GitLab's merge request API over `fake.state.mergeRequests`: list by
 * source branch and state, one by iid, create (409 when the branch has an
 * open one, 422 without a title or an existing source branch), update,
 * and the notes on each (note-routes.ts).
 * Only the fields Flowgate sends are read.
 */
export function addMergeRequestRoutes(
  fake: FakeGitLab,
  repositories: FakeRepositories,
): void {
  const projectOf = (
    { match, user }: RouteContext,
    level: number,
  ): FakeGitLabProject | RouteAnswer => {
    const project = repositories.byId(Number(match[1]));
    const access = project ? accessOf(user, project.id) : 0;
    if (!project || access < REPORTER) {
      return { status: 404, body: { message: "404 Project Not Found" } };
    }
    if (access < level) {
      return { status: 403, body: { message: "403 Forbidden" } };
    }
    return project;
  };
  const ofProject = (project: FakeGitLabProject) =>
    fake.state.mergeRequests.filter(
      (mergeRequest) => mergeRequest.project_id === project.id,
    ) as StampedMergeRequest[];

  fake.route({
    method: "GET",
    pattern: LIST,
    handle: (context) => {
      const project = projectOf(context, REPORTER);
      if ("status" in project) return project;
      const query = context.url.searchParams;
      const branch = query.get("source_branch");
      const state = query.get("state") ?? "all";
      const found = ofProject(project)
        .filter((one) => branch === null || one.source_branch === branch)
        .filter((one) => state === "all" || one.state === state)
        .sort((a, b) => b.iid - a.iid);
      return { status: 200, body: found.map(asJson) };
    },
  });

  fake.route({
    method: "GET",
    pattern: ONE,
    handle: (context) => {
      const project = projectOf(context, REPORTER);
      if ("status" in project) return project;
      const iid = Number(context.match[2]);
      const found = ofProject(project).find((one) => one.iid === iid);
      return found
        ? { status: 200, body: asJson(found) }
        : { status: 404, body: { message: "404 Not found" } };
    },
  });

  fake.route({
    method: "POST",
    pattern: LIST,
    handle: async (context) => {
      const project = projectOf(context, DEVELOPER);
      if ("status" in project) return project;
      const input = (context.request.json ?? {}) as Record<string, unknown>;
      const title = typeof input.title === "string" ? input.title : "";
      const source = String(input.source_branch ?? "");
      const target = String(input.target_branch ?? "");
      if (title.trim() === "") return refused(422, "Title can't be blank");
      if (!(await repositories.branchSha(project.id, source))) {
        return refused(422, `Source branch "${source}" does not exist`);
      }
      if (!(await repositories.branchSha(project.id, target))) {
        return refused(422, `Target branch "${target}" does not exist`);
      }
      const open = ofProject(project).find(
        (one) => one.source_branch === source && one.state === "opened",
      );
      if (open) {
        return refused(
          409,
          "Another open merge request already exists for this source " +
            `branch: !${open.iid}`,
        );
      }

      const iid = Math.max(0, ...ofProject(project).map((one) => one.iid)) + 1;
      const now = new Date().toISOString();
      const created: StampedMergeRequest = {
        id: fake.state.nextId++,
        iid,
        project_id: project.id,
        title,
        description: String(input.description ?? ""),
        source_branch: source,
        target_branch: target,
        state: "opened",
        draft: DRAFT_TITLE.test(title),
        web_url: `${fake.url}/${project.path}/-/merge_requests/${iid}`,
        labels: labelsOf(input.labels),
        notes: [],
        created_at: now,
        updated_at: now,
      };
      fake.state.mergeRequests.push(created);
      return { status: 201, body: asJson(created) };
    },
  });

  fake.route({
    method: "PUT",
    pattern: ONE,
    handle: (context) => {
      const project = projectOf(context, DEVELOPER);
      if ("status" in project) return project;
      const iid = Number(context.match[2]);
      const found = ofProject(project).find((one) => one.iid === iid);
      if (!found) return { status: 404, body: { message: "404 Not found" } };
      const input = (context.request.json ?? {}) as Record<string, unknown>;
      if (typeof input.description === "string") {
        found.description = input.description;
      }
      found.updated_at = new Date().toISOString();
      return { status: 200, body: asJson(found) };
    },
  });

  addNoteRoutes(fake, repositories);
}

/** GitLab answers model validation errors as a list under `message`. */
function refused(status: number, message: string): RouteAnswer {
  return { status, body: { message: [message] } };
}

function labelsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== "string") return [];
  return value
    .split(",")
    .map((label) => label.trim())
    .filter(Boolean);
}

/** The merge request in the shape of GitLab's API (the fields that
 * matter here; GitLab sends many more). */
function asJson(mergeRequest: StampedMergeRequest) {
  const { notes: _notes, ...fields } = mergeRequest;
  const stamp = mergeRequest.created_at ?? new Date(0).toISOString();
  return {
    ...fields,
    work_in_progress: mergeRequest.draft,
    merge_commit_sha: null,
    merged_at: null,
    created_at: stamp,
    updated_at: mergeRequest.updated_at ?? stamp,
  };
}
