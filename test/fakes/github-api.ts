import {
  type FakeAnswer,
  type Fault,
  type RecordedRequest,
  startApiFake,
} from "./api-fake-server.ts";

// GitHub's REST API for issues as far as reporting back uses it: list,
// create and update issue comments, add labels, update an issue, and
// GET /user for the token's own user. The objects and errors are in
// GitHub's documented shapes (comments with id, body, html_url, user,
// performed_via_github_app, created_at; `{"message",
// "documentation_url"}` errors; 201 on create). With `app`, the token is
// a GitHub App's installation token: GET /user answers 403 ("Resource
// not accessible by integration"), and its comments are by the app's
// bot user `<slug>[bot]`, performed via the app.

const DOCS = "https://docs.github.com/rest";
const BOT = { login: "flowgate-bot", id: 90001, type: "User" };

export interface FakeGithubUser {
  login: string;
  id: number;
  type: string;
}

export interface FakeGithubComment {
  id: number;
  body: string;
  html_url: string;
  user: FakeGithubUser;
  performed_via_github_app: { id: number; slug: string } | null;
  created_at: string;
  updated_at: string;
}

export interface FakeGithubIssue {
  number: number;
  state: "open" | "closed";
  state_reason: string | null;
  labels: string[];
  comments: FakeGithubComment[];
}

export interface FakeGithub {
  /** The API root, for `credentials.api_url`. */
  url: string;
  token: string;
  /** A token that may read but not write issues. */
  readOnlyToken: string;
  requests: RecordedRequest[];
  /** "METHOD /path?query" of each request. */
  lines(): string[];
  failNext(when: (request: RecordedRequest) => boolean, fault: Fault): void;
  /** The issue named `owner/repo#n`, made on first use. */
  issue(reference: string): FakeGithubIssue;
  /** A comment by `author` (the token's user unless said). */
  addComment(
    reference: string,
    body: string,
    author?: FakeGithubUser,
  ): FakeGithubComment;
  deleteComment(id: number): void;
  close(): Promise<void>;
}

export const githubErrors = {
  secondaryRateLimit: {
    message:
      "You have exceeded a secondary rate limit. Please wait a few " +
      "minutes before you try again.",
    documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`,
  },
  primaryRateLimit: {
    message: "API rate limit exceeded for user ID 90001.",
    documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`,
  },
};

export async function startFakeGithub(
  token = "github_pat_fake0123456789",
  options: { app?: string } = {},
): Promise<FakeGithub> {
  const readOnlyToken = `${token}_read`;
  const app = options.app ? { id: 1_000_001, slug: options.app } : undefined;
  const self: FakeGithubUser = app
    ? { login: `${app.slug}[bot]`, id: 41_000_001, type: "Bot" }
    : BOT;
  const issues = new Map<string, FakeGithubIssue>();
  let nextId = 7_000_001;

  const issueOf = (owner: string, repo: string, number: string) => {
    const key = `${owner}/${repo}#${number}`;
    let issue = issues.get(key);
    if (!issue) {
      issue = {
        number: Number(number),
        state: "open",
        state_reason: null,
        labels: [],
        comments: [],
      };
      issues.set(key, issue);
    }
    return issue;
  };
  const addComment = (
    key: string,
    body: string,
    author: FakeGithubUser = self,
  ) => {
    const [, owner = "", repo = "", number = ""] =
      /^(.+)\/(.+)#(\d+)$/.exec(key) ?? [];
    const issue = issueOf(owner, repo, number);
    const id = nextId++;
    const now = new Date().toISOString();
    const comment = {
      id,
      body,
      html_url: `https://github.com/${owner}/${repo}/issues/${number}#issuecomment-${id}`,
      user: author,
      performed_via_github_app: author === self && app ? app : null,
      created_at: now,
      updated_at: now,
    };
    issue.comments.push(comment);
    return comment;
  };
  // Repositories of the owner "ghost" are ones the token cannot see.
  const hidden = (owner: string) => owner === "ghost";

  const routes: Route[] = [
    {
      method: "GET",
      path: /^\/user$/,
      handle() {
        if (!app) return { status: 200, body: { ...self, site_admin: false } };
        return {
          status: 403,
          body: {
            message: "Resource not accessible by integration",
            documentation_url: `${DOCS}/users/users#get-the-authenticated-user`,
            status: "403",
          },
        };
      },
    },
    {
      method: "GET",
      path: /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/,
      handle([owner, repo, number], request) {
        const query = new URL(request.path, "http://fake").searchParams;
        const perPage = Math.min(Number(query.get("per_page") ?? 30), 100);
        const page = Number(query.get("page") ?? 1);
        const all = issueOf(owner, repo, number).comments;
        const start = (page - 1) * perPage;
        return { status: 200, body: all.slice(start, start + perPage) };
      },
    },
    {
      method: "POST",
      path: /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/,
      write: true,
      handle([owner, repo, number], request) {
        const body = request.body?.body;
        if (typeof body !== "string" || body === "") {
          return validationFailed("IssueComment", "body");
        }
        return {
          status: 201,
          body: addComment(`${owner}/${repo}#${number}`, body),
        };
      },
    },
    {
      method: "PATCH",
      path: /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/,
      write: true,
      handle([, , id], request) {
        const comment = [...issues.values()]
          .flatMap((issue) => issue.comments)
          .find((entry) => entry.id === Number(id));
        if (!comment) return notFound();
        const body = request.body?.body;
        if (typeof body !== "string" || body === "") {
          return validationFailed("IssueComment", "body");
        }
        comment.body = body;
        comment.updated_at = new Date().toISOString();
        return { status: 200, body: comment };
      },
    },
    {
      method: "POST",
      path: /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/labels$/,
      write: true,
      handle([owner, repo, number], request) {
        const labels: unknown = request.body?.labels;
        if (
          !Array.isArray(labels) ||
          !labels.every((label) => typeof label === "string")
        ) {
          return validationFailed("Label", "labels");
        }
        const issue = issueOf(owner, repo, number);
        for (const label of labels) {
          if (!issue.labels.includes(label)) issue.labels.push(label);
        }
        return { status: 200, body: issue.labels.map(labelObject) };
      },
    },
    {
      method: "PATCH",
      path: /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/,
      write: true,
      handle([owner, repo, number], request) {
        const issue = issueOf(owner, repo, number);
        const { state, state_reason } = request.body ?? {};
        if (state !== undefined && state !== "open" && state !== "closed") {
          return validationFailed("Issue", "state");
        }
        if (state) issue.state = state;
        issue.state_reason =
          state === "closed" ? (state_reason ?? "completed") : null;
        return {
          status: 200,
          body: {
            number: issue.number,
            state: issue.state,
            state_reason: issue.state_reason,
            labels: issue.labels.map(labelObject),
            html_url: `https://github.com/${owner}/${repo}/issues/${number}`,
          },
        };
      },
    },
  ];

  const server = await startApiFake({
    authorize(request) {
      const auth = request.headers.authorization;
      if (auth === `Bearer ${token}` || auth === `Bearer ${readOnlyToken}`) {
        return undefined;
      }
      return {
        status: 401,
        body: {
          message: "Bad credentials",
          documentation_url: DOCS,
          status: "401",
        },
      };
    },
    handle(request) {
      const pathname = new URL(request.path, "http://fake").pathname;
      for (const route of routes) {
        const match = route.path.exec(pathname);
        if (!match || route.method !== request.method) continue;
        const [, owner = "", repo = "", last = ""] = match;
        if (hidden(owner)) return notFound();
        if (route.write && request.headers.authorization?.endsWith("_read")) {
          return {
            status: 403,
            body: {
              message: "Resource not accessible by personal access token",
              documentation_url: `${DOCS}/issues`,
              status: "403",
            },
          };
        }
        return route.handle([owner, repo, last], request);
      }
      return notFound();
    },
    errorBody(status) {
      if (status === 429 || status === 403)
        return githubErrors.secondaryRateLimit;
      return { message: "Server Error", documentation_url: DOCS };
    },
  });

  return {
    url: server.url,
    token,
    readOnlyToken,
    requests: server.requests,
    lines: () => server.requests.map((r) => `${r.method} ${r.path}`),
    failNext: server.failNext,
    issue(reference) {
      const [, owner = "", repo = "", number = ""] =
        /^(.+)\/(.+)#(\d+)$/.exec(reference) ?? [];
      return issueOf(owner, repo, number);
    },
    addComment,
    deleteComment(id) {
      for (const issue of issues.values()) {
        issue.comments = issue.comments.filter((entry) => entry.id !== id);
      }
    },
    close: () => server.close(),
  };
}

interface Route {
  method: string;
  path: RegExp;
  write?: boolean;
  /** Owner, repository and the last number in the path. */
  handle(
    params: [string, string, string],
    request: RecordedRequest,
  ): FakeAnswer;
}

function labelObject(name: string) {
  return {
    id: 100 + name.length,
    node_id: `LA_${name}`,
    url: `https://api.github.com/labels/${encodeURIComponent(name)}`,
    name,
    color: "ededed",
    default: false,
    description: null,
  };
}

function notFound(): FakeAnswer {
  return {
    status: 404,
    body: { message: "Not Found", documentation_url: DOCS, status: "404" },
  };
}

function validationFailed(resource: string, field: string): FakeAnswer {
  return {
    status: 422,
    body: {
      message: "Validation Failed",
      errors: [{ resource, code: "missing_field", field }],
      documentation_url: DOCS,
      status: "422",
    },
  };
}
