/**
 * What the fake Jira does with one authenticated request, in the shapes
 * Jira's REST API documents: comment objects with `id`, `body`,
 * `author`, `created`; pages of `{startAt, maxResults, total,
 * comments}`; `{transitions: [{id, name, to}]}`; 201 for a new comment
 * or remote link, 200 for an updated one, 204 for a transition; errors
 * as `{errorMessages, errors}`.
 */

export interface FakeComment {
  id: string;
  body: unknown;
  author: Record<string, string>;
  created: string;
  updated: string;
}

export interface FakeRemoteLink {
  id: number;
  globalId: string | undefined;
  object: { url: string; title: string } & Record<string, unknown>;
}

export interface FakeIssue {
  id: string;
  key: string;
  status: string;
  comments: FakeComment[];
  remoteLinks: FakeRemoteLink[];
}

export interface JiraState {
  apiVersion: 2 | 3;
  user: Record<string, string>;
  issues: Map<string, FakeIssue>;
  /** Ids and creation times, so newer is always later. */
  sequence: number;
}

export interface JiraReply {
  status: number;
  /** Undefined for an empty answer (204). */
  body?: unknown;
}

// One workflow for every issue; a transition is offered from every
// status but its target, as Jira lists them.
const WORKFLOW = [
  { id: "11", name: "Reopen", to: "To Do" },
  { id: "21", name: "Start progress", to: "In Progress" },
  { id: "31", name: "Send to review", to: "In Review" },
  { id: "41", name: "Done", to: "Done" },
];

const STATUS_IDS: Record<string, string> = {
  "To Do": "10000",
  "In Progress": "3",
  "In Review": "10001",
  Done: "10002",
};

interface RoutedRequest {
  method: string;
  url: URL;
  json: unknown;
  /** The fake's origin, for `self` links. */
  self: string;
}

export function routeJira(
  state: JiraState,
  request: RoutedRequest,
  now: Date,
): JiraReply {
  const root = `/rest/api/${state.apiVersion}`;
  const path = request.url.pathname;
  const route = `${request.method} ${path.slice(root.length)}`;
  if (!path.startsWith(`${root}/`)) return notFound("resource");
  if (route === "GET /myself") return { status: 200, body: state.user };

  const match = /^(\w+) \/issue\/([^/]+)(\/[^/]+)?(?:\/([^/]+))?$/.exec(route);
  const issue = match && state.issues.get(decodeURIComponent(match[2] ?? ""));
  if (!match || !issue) return notFound("issue");
  const [, method, , resource = "", id] = match;
  const context = { state, issue, request, now };

  switch (`${method} ${resource}${id === undefined ? "" : "/:id"}`) {
    case "GET ":
      return { status: 200, body: issueBody(context) };
    case "GET /comment":
      return { status: 200, body: commentPage(context) };
    case "POST /comment":
      return createComment(context);
    case "PUT /comment/:id":
      return editComment(context, id ?? "");
    case "POST /remotelink":
      return upsertRemoteLink(context);
    case "GET /transitions":
      return { status: 200, body: { transitions: offered(issue) } };
    case "POST /transitions":
      return transition(context);
    default:
      return notFound("resource");
  }
}

interface Context {
  state: JiraState;
  issue: FakeIssue;
  request: RoutedRequest;
  now: Date;
}

function issueBody({ issue, request }: Context) {
  const self = `${request.self}${request.url.pathname}`;
  const status = {
    self: `${request.self}/rest/api/2/status/${STATUS_IDS[issue.status]}`,
    id: STATUS_IDS[issue.status],
    name: issue.status,
  };
  return { id: issue.id, key: issue.key, self, fields: { status } };
}

function commentPage({ issue, request }: Context) {
  const query = request.url.searchParams;
  const newestFirst = query.get("orderBy") === "-created";
  const startAt = Number(query.get("startAt") ?? 0);
  const maxResults = Math.min(Number(query.get("maxResults") ?? 50), 100);
  const ordered = newestFirst ? [...issue.comments].reverse() : issue.comments;
  return {
    startAt,
    maxResults,
    total: issue.comments.length,
    comments: ordered.slice(startAt, startAt + maxResults),
  };
}

function createComment(context: Context): JiraReply {
  const body = commentBody(context);
  if (body === undefined) return invalidComment(context.state);
  const comment = addComment(context.state, context.issue, {
    body,
    author: context.state.user,
    at: context.now,
  });
  return { status: 201, body: comment };
}

function editComment(context: Context, id: string): JiraReply {
  const comment = context.issue.comments.find((entry) => entry.id === id);
  if (!comment) return notFound("comment");
  const body = commentBody(context);
  if (body === undefined) return invalidComment(context.state);
  comment.body = body;
  comment.updated = context.now.toISOString();
  return { status: 200, body: comment };
}

/** Adds a comment as `author` wrote it (tests seed people's comments). */
export function addComment(
  state: JiraState,
  issue: FakeIssue,
  comment: { body: unknown; author: Record<string, string>; at: Date },
): FakeComment {
  state.sequence += 1;
  // Jira's times have second precision at best; later is always newer.
  const created = new Date(
    comment.at.getTime() + state.sequence * 1000,
  ).toISOString();
  const entry = {
    id: String(20_000 + state.sequence),
    body: comment.body,
    author: comment.author,
    created,
    updated: created,
  };
  issue.comments.push(entry);
  return entry;
}

/** v3 takes an ADF document, v2 wiki text; anything else is refused. */
function commentBody({ state, request }: Context): unknown {
  const body = (request.json as { body?: unknown } | undefined)?.body;
  if (state.apiVersion === 2) {
    return typeof body === "string" && body.trim() !== "" ? body : undefined;
  }
  const doc = body as Record<string, unknown> | undefined;
  return doc?.type === "doc" &&
    doc.version === 1 &&
    Array.isArray(doc.content) &&
    doc.content.length > 0
    ? body
    : undefined;
}

function invalidComment(state: JiraState): JiraReply {
  const expected =
    state.apiVersion === 3 ? "an Atlassian Document Format doc" : "text";
  return badRequest({ comment: `Comment body must be ${expected}.` });
}

function upsertRemoteLink({ issue, request, state }: Context): JiraReply {
  const json = request.json as
    | { globalId?: unknown; object?: Record<string, unknown> }
    | undefined;
  const object = json?.object;
  if (typeof object?.url !== "string" || typeof object.title !== "string") {
    return badRequest({ object: "'url' and 'title' are required." });
  }
  const globalId =
    typeof json?.globalId === "string" ? json.globalId : undefined;
  const link = { ...object, url: object.url, title: object.title };
  const existing =
    globalId === undefined
      ? undefined
      : issue.remoteLinks.find((entry) => entry.globalId === globalId);
  if (existing) {
    existing.object = link;
    return { status: 200, body: linkBody(existing, request) };
  }
  state.sequence += 1;
  const created = { id: 30_000 + state.sequence, globalId, object: link };
  issue.remoteLinks.push(created);
  return { status: 201, body: linkBody(created, request) };
}

function linkBody(link: FakeRemoteLink, request: RoutedRequest) {
  const self = `${request.self}${request.url.pathname}/${link.id}`;
  return { id: link.id, self };
}

function offered(issue: FakeIssue) {
  return WORKFLOW.filter((entry) => entry.to !== issue.status).map((entry) => ({
    id: entry.id,
    name: entry.name,
    to: { id: STATUS_IDS[entry.to], name: entry.to },
  }));
}

function transition({ issue, request }: Context): JiraReply {
  const id = (request.json as { transition?: { id?: unknown } } | undefined)
    ?.transition?.id;
  const chosen = offered(issue).find((entry) => entry.id === id);
  if (!chosen) {
    return {
      status: 400,
      body: {
        errorMessages: [`Transition id '${id}' is not valid for this issue.`],
        errors: {},
      },
    };
  }
  issue.status = chosen.to.name;
  return { status: 204 };
}

function notFound(what: "issue" | "comment" | "resource"): JiraReply {
  const message = {
    issue: "Issue does not exist or you do not have permission to see it.",
    comment: "Can not find a comment for the id.",
    resource: "No resource matches the path.",
  }[what];
  return { status: 404, body: { errorMessages: [message], errors: {} } };
}

function badRequest(errors: Record<string, string>): JiraReply {
  return { status: 400, body: { errorMessages: [], errors } };
}
