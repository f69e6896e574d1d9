import type {
  FakeGitLab,
  FakeMergeRequest,
  FakeNote,
  RouteAnswer,
  RouteContext,
} from "./fake-gitlab.ts";
import {
  accessOf,
  type FakeRepositories,
  REPORTER,
} from "./repository-routes.ts";

const NOTES = /^\/api\/v4\/projects\/(\d+)\/merge_requests\/(\d+)\/notes$/;
const DEFAULT_PER_PAGE = 20;
const MAX_PER_PAGE = 100;

/**
 * GitLab's notes API on merge requests: `GET …/merge_requests/:iid/notes`
 * (newest first by default, paged with `page` and `per_page` and GitLab's
 * `X-Total`, `X-Page`, `X-Per-Page`, `X-Next-Page` headers) and `POST`
 * with `body`, answered 201 with the note. Reporters may comment, as on
 * GitLab. A missing `body` is GitLab's 400 `{"error": "body is missing"}`.
 */
export function addNoteRoutes(
  fake: FakeGitLab,
  repositories: FakeRepositories,
): void {
  const mergeRequestOf = ({
    match,
    user,
  }: RouteContext): FakeMergeRequest | RouteAnswer => {
    const projectId = Number(match[1]);
    const project = repositories.byId(projectId);
    if (!project || accessOf(user, projectId) < REPORTER) {
      return { status: 404, body: { message: "404 Project Not Found" } };
    }
    const iid = Number(match[2]);
    const found = fake.state.mergeRequests.find(
      (one) => one.project_id === projectId && one.iid === iid,
    );
    return found ?? { status: 404, body: { message: "404 Not found" } };
  };

  fake.route({
    method: "GET",
    pattern: NOTES,
    handle: (context) => {
      const mergeRequest = mergeRequestOf(context);
      if ("status" in mergeRequest) return mergeRequest;
      const query = context.url.searchParams;
      const ascending = query.get("sort") === "asc";
      const perPage = Math.min(
        MAX_PER_PAGE,
        Number(query.get("per_page") ?? DEFAULT_PER_PAGE) || DEFAULT_PER_PAGE,
      );
      const page = Math.max(1, Number(query.get("page") ?? 1) || 1);
      const sorted = [...mergeRequest.notes].sort((a, b) =>
        ascending ? a.id - b.id : b.id - a.id,
      );
      const shown = sorted.slice((page - 1) * perPage, page * perPage);
      const hasNext = page * perPage < sorted.length;
      return {
        status: 200,
        headers: {
          "x-total": String(sorted.length),
          "x-page": String(page),
          "x-per-page": String(perPage),
          "x-next-page": hasNext ? String(page + 1) : "",
        },
        body: shown.map((note) => noteJson(fake, mergeRequest, note)),
      };
    },
  });

  fake.route({
    method: "POST",
    pattern: NOTES,
    handle: (context) => {
      const mergeRequest = mergeRequestOf(context);
      if ("status" in mergeRequest) return mergeRequest;
      const body = context.request.json?.body;
      if (typeof body !== "string" || body.trim() === "") {
        return { status: 400, body: { error: "body is missing" } };
      }
      const note: FakeNote = {
        id: fake.state.nextId++,
        body,
        ...(context.user ? { authorId: context.user.id } : {}),
        created_at: new Date().toISOString(),
      };
      mergeRequest.notes.push(note);
      return { status: 201, body: noteJson(fake, mergeRequest, note) };
    },
  });
}

/** A note in the shape of GitLab's notes API. */
function noteJson(
  fake: FakeGitLab,
  mergeRequest: FakeMergeRequest,
  note: FakeNote,
) {
  const author = fake.users.find((user) => user.id === note.authorId);
  const at = note.created_at ?? new Date(0).toISOString();
  return {
    id: note.id,
    type: null,
    body: note.body,
    author: author
      ? { id: author.id, username: author.username, name: author.username }
      : null,
    created_at: at,
    updated_at: at,
    system: false,
    noteable_id: mergeRequest.id,
    noteable_type: "MergeRequest",
    noteable_iid: mergeRequest.iid,
    resolvable: false,
    confidential: false,
    internal: false,
  };
}
