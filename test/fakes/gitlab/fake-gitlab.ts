import http from "node:http";
import type { AddressInfo } from "node:net";

/** A GitLab user the fake knows, with its token and access levels. */
export interface FakeGitLabUser {
  id: number;
  username: string;
  token: string;
  /** Access level by GitLab project id: 10 Guest … 50 Owner. */
  access: Record<number, number>;
}

/** A merge request as the fake keeps it, in GitLab's field names. */
export interface FakeMergeRequest {
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
  labels: string[];
  notes: FakeNote[];
}

/** A comment on a merge request; who wrote it and when, once the notes
 * API made it. */
export interface FakeNote {
  id: number;
  body: string;
  authorId?: number;
  created_at?: string;
}

/** What several areas' routes share: the merge requests (opened by the
 * repository routes for Flowgate's own pushes, or by a simulated Duo
 * flow or pipeline). */
export interface FakeGitLabState {
  mergeRequests: FakeMergeRequest[];
  /** Ids for new objects of any kind, increasing. */
  nextId: number;
}

export interface RecordedGitLabRequest {
  method: string;
  /** The path with its query, as sent. */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The raw body; `json` holds it parsed when it is JSON. */
  body: Buffer;
  json: any;
}

export interface RouteContext {
  request: RecordedGitLabRequest;
  url: URL;
  match: RegExpMatchArray;
  /** The user the token names; undefined for an unauthenticated route. */
  user: FakeGitLabUser | undefined;
  incoming: http.IncomingMessage;
  response: http.ServerResponse;
}

export interface RouteAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface GitLabRoute {
  method: string;
  /** Matched against the path without its query. */
  pattern: RegExp;
  /** Routes that do their own authentication (git over HTTP) set this. */
  public?: boolean;
  /** Answers, or writes the response itself and answers undefined. */
  handle(
    context: RouteContext,
  ): RouteAnswer | undefined | Promise<RouteAnswer | undefined>;
}

/**
 * - `status`: answered without doing the work, with GitLab's error body
 *   (or `body`), `Retry-After` when given. A 429 is GitLab's throttle:
 *   the plain-text body `Retry later`, `Retry-After` (`retryAfter`, one
 *   second by default; none with `withoutRetryAfter`, as some of
 *   GitLab's own limits send) and the `RateLimit-*` headers, the reset
 *   `retryAfter` seconds away;
 * - `delayMs`: the work is done, the answer comes that much later;
 * - `reset`: the connection is destroyed, after the work when
 *   `afterWork` (also for routes that write their answer themselves,
 *   git's), else before.
 */
export type GitLabFault =
  | {
      status: number;
      retryAfter?: string;
      withoutRetryAfter?: boolean;
      body?: unknown;
    }
  | { delayMs: number }
  | { reset: true; afterWork: boolean };

/** Which request a fault is for: the method and path, optionally the
 * raw body (git's `command=fetch`), after `skip` matching requests went
 * through untouched. */
export interface FaultMatch {
  method: string;
  path: RegExp;
  body?: RegExp;
  skip?: number;
}

export interface FakeGitLab {
  url: string;
  requests: RecordedGitLabRequest[];
  state: FakeGitLabState;
  users: FakeGitLabUser[];
  /** Adds a route; later routes are tried first. */
  route(route: GitLabRoute): void;
  /** Queues a fault for the next request that matches. */
  fault(match: FaultMatch, fault: GitLabFault): void;
  /** The user a request's token names, by PRIVATE-TOKEN, Bearer or the
   * password of Basic credentials (as git sends it). */
  userOf(headers: http.IncomingHttpHeaders): FakeGitLabUser | undefined;
  close(): Promise<void>;
}

/**
 * GitLab at the HTTP boundary, on a real port: REST under `/api/v4`,
 * GraphQL at `/api/graphql`, and whatever else routes add (git's smart
 * HTTP). It checks tokens, records every request, injects faults and
 * answers errors in GitLab's shape (`{"message": "404 Not Found"}`).
 * Each area's routes live in a file of their own beside this one.
 */
export async function startFakeGitLab(
  users: FakeGitLabUser[],
): Promise<FakeGitLab> {
  const requests: RecordedGitLabRequest[] = [];
  const state: FakeGitLabState = { mergeRequests: [], nextId: 1 };
  const routes: GitLabRoute[] = [];
  const faults: { match: FaultMatch; fault: GitLabFault }[] = [];

  const userOf = (headers: http.IncomingHttpHeaders) => {
    const token = tokenOf(headers);
    return token ? users.find((user) => user.token === token) : undefined;
  };

  const server = http.createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      const request: RecordedGitLabRequest = {
        method: incoming.method ?? "GET",
        path: incoming.url ?? "/",
        headers: incoming.headers,
        body,
        json: parseJson(body, incoming.headers["content-type"]),
      };
      requests.push(request);
      void serve(request, incoming, response).catch((error: unknown) => {
        send(response, {
          status: 500,
          body: { message: `500 Internal Server Error: ${String(error)}` },
        });
      });
    });
  });

  /** The first fault queued for this request, taken off the queue;
   * one whose `skip` is left lets the request through and counts it. */
  function takeFault(
    request: RecordedGitLabRequest,
    url: URL,
  ): GitLabFault | undefined {
    const index = faults.findIndex(
      ({ match }) =>
        match.method === request.method &&
        match.path.test(url.pathname) &&
        (match.body === undefined ||
          match.body.test(request.body.toString("latin1"))),
    );
    const entry = faults[index];
    if (!entry) return undefined;
    if (entry.match.skip) {
      entry.match.skip -= 1;
      return undefined;
    }
    faults.splice(index, 1);
    return entry.fault;
  }

  async function serve(
    request: RecordedGitLabRequest,
    incoming: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<void> {
    const url = new URL(request.path, "http://fake.gitlab");
    const fault = takeFault(request, url);
    if (fault && "status" in fault) {
      if (fault.status === 429 && fault.body === undefined) {
        sendThrottled(response, fault);
        return;
      }
      send(response, {
        status: fault.status,
        body: fault.body ?? { message: statusMessage(fault.status) },
        ...(fault.retryAfter
          ? { headers: { "retry-after": fault.retryAfter } }
          : {}),
      });
      return;
    }
    if (fault && "reset" in fault && !fault.afterWork) {
      incoming.socket.destroy();
      return;
    }

    const route = [...routes]
      .reverse()
      .find(
        (candidate) =>
          candidate.method === request.method &&
          candidate.pattern.test(url.pathname),
      );
    if (!route) {
      send(response, { status: 404, body: { message: "404 Not Found" } });
      return;
    }
    const user = userOf(request.headers);
    if (!route.public && !user) {
      send(response, { status: 401, body: { message: "401 Unauthorized" } });
      return;
    }
    const match = url.pathname.match(route.pattern) as RegExpMatchArray;
    const lostAnswer = fault !== undefined && "reset" in fault;
    const answer = await route.handle({
      request,
      url,
      match,
      user,
      incoming,
      // A route that writes its own answer (git's) writes it nowhere when
      // the connection is to be lost after the work.
      response: lostAnswer ? new http.ServerResponse(incoming) : response,
    });
    if (fault && "reset" in fault) {
      incoming.socket.destroy();
      return;
    }
    if (!answer) return;
    if (fault && "delayMs" in fault) {
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    }
    send(response, answer);
  }

  await new Promise<void>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve()),
  );
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    state,
    users,
    route: (route) => {
      routes.push(route);
    },
    fault: (match, fault) => {
      faults.push({ match, fault });
    },
    userOf,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function tokenOf(headers: http.IncomingHttpHeaders): string | undefined {
  const privateToken = headers["private-token"];
  if (typeof privateToken === "string") return privateToken;
  const authorization = headers.authorization ?? "";
  const bearer = /^Bearer (.+)$/i.exec(authorization)?.[1];
  if (bearer) return bearer;
  const basic = /^Basic (.+)$/i.exec(authorization)?.[1];
  if (!basic) return undefined;
  const decoded = Buffer.from(basic, "base64").toString("utf8");
  return decoded.slice(decoded.indexOf(":") + 1);
}

function parseJson(body: Buffer, type: string | undefined): unknown {
  if (body.length === 0 || !type?.includes("json")) return undefined;
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}

function send(response: http.ServerResponse, answer: RouteAnswer): void {
  if (response.headersSent) return;
  const headers: Record<string, string> = { ...answer.headers };
  let text = "";
  if (answer.body !== undefined) {
    text = JSON.stringify(answer.body);
    headers["content-type"] = "application/json";
  }
  response.writeHead(answer.status, headers);
  response.end(text);
}

const THROTTLE_LIMIT = 2000;

/** GitLab's answer to a throttled request (Rack::Attack): plain text,
 * `Retry-After` in seconds and the `RateLimit-*` headers, whose reset is
 * a Unix time. */
function sendThrottled(
  response: http.ServerResponse,
  fault: { retryAfter?: string; withoutRetryAfter?: boolean },
): void {
  const seconds = Number(fault.retryAfter ?? "1");
  const reset = new Date(Date.now() + seconds * 1000);
  response.writeHead(429, {
    "content-type": "text/plain",
    ...(fault.withoutRetryAfter ? {} : { "retry-after": String(seconds) }),
    "ratelimit-name": "throttle_authenticated_api",
    "ratelimit-limit": String(THROTTLE_LIMIT),
    "ratelimit-observed": String(THROTTLE_LIMIT + 1),
    "ratelimit-remaining": "0",
    "ratelimit-reset": String(Math.ceil(reset.getTime() / 1000)),
    "ratelimit-resettime": reset.toUTCString(),
  });
  response.end("Retry later\n");
}

/** GitLab's own wording for an error status. */
export function statusMessage(status: number): string {
  const names: Record<number, string> = {
    400: "400 Bad request",
    401: "401 Unauthorized",
    403: "403 Forbidden",
    404: "404 Not Found",
    409: "409 Conflict",
    422: "422 Unprocessable Entity",
    429: "Retry later",
    500: "500 Internal Server Error",
    502: "502 Bad Gateway",
    503: "503 Service Unavailable",
  };
  return names[status] ?? String(status);
}
