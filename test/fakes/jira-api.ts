import http from "node:http";
import type { AddressInfo } from "node:net";
import { respondJson } from "./fake-model-server.ts";
import { type JiraState, routeJira } from "./jira-api-routes.ts";

/**
 * A fake of the parts of Jira's REST API that Flowgate reports through
 * (comments, remote links, transitions, `myself`), for Cloud
 * (`/rest/api/3`, ADF bodies) or Data Center (`/rest/api/2`, wiki text),
 * on a real port. It keeps state, records every request and fails the
 * next matching request on demand.
 */

export interface FakeJiraOptions {
  apiVersion: 2 | 3;
  /** The one Authorization header it accepts; others get 401. */
  authorization: string;
  /** The credentials' user as Jira shows it: `{accountId}` on Cloud,
   * `{name, key}` on Data Center. */
  user: Record<string, string>;
  issues: { key: string; status: string }[];
}

export interface RecordedJiraRequest {
  method: string;
  /** The path with its query, as sent. */
  path: string;
  headers: http.IncomingHttpHeaders;
  json: unknown;
}

/**
 * - `status`: answers it without doing the work (with `Retry-After`
 *   when `retryAfter` is given);
 * - `delayMs`: does the work, then answers that much later, so a client
 *   with a shorter limit gives up on work that was done;
 * - `reset`: destroys the connection without an answer, after doing the
 *   work when `afterWork`, else before.
 */
export type JiraFault =
  | { status: number; retryAfter?: string }
  | { delayMs: number }
  | { reset: true; afterWork: boolean };

export interface FaultMatch {
  method: string;
  /** Tested against the path without its query. */
  path: RegExp;
}

export interface FakeJira {
  url: string;
  requests: RecordedJiraRequest[];
  state: JiraState;
  /** Queues a fault for the next request that matches. */
  fault(match: FaultMatch, fault: JiraFault): void;
  close(): Promise<void>;
}

export async function startFakeJira(
  options: FakeJiraOptions,
): Promise<FakeJira> {
  const state: JiraState = {
    apiVersion: options.apiVersion,
    user: options.user,
    issues: new Map(
      options.issues.map((issue, index) => [
        issue.key,
        {
          id: String(10_001 + index),
          key: issue.key,
          status: issue.status,
          comments: [],
          remoteLinks: [],
        },
      ]),
    ),
    sequence: 0,
  };
  const requests: RecordedJiraRequest[] = [];
  const faults: { match: FaultMatch; fault: JiraFault }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let origin = "";

  const server = http.createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const url = new URL(incoming.url ?? "/", origin);
      const request: RecordedJiraRequest = {
        method: incoming.method ?? "",
        path: `${url.pathname}${url.search}`,
        headers: incoming.headers,
        json: parseJson(Buffer.concat(chunks).toString("utf8")),
      };
      requests.push(request);

      if (incoming.headers.authorization !== options.authorization) {
        respondJson(response, 401, {
          errorMessages: [
            "You do not have the permission to see the specified issue.",
            "Login Required",
          ],
          errors: {},
        });
        return;
      }

      const at = faults.findIndex(
        ({ match }) =>
          match.method === request.method && match.path.test(url.pathname),
      );
      const fault = at === -1 ? undefined : faults.splice(at, 1)[0]?.fault;
      const work = () =>
        routeJira(state, { ...request, url, self: origin }, new Date());

      if (fault && "status" in fault) {
        respondJson(response, fault.status, faultBody(fault.status), {
          ...(fault.retryAfter ? { "retry-after": fault.retryAfter } : {}),
        });
        return;
      }
      if (fault && "reset" in fault) {
        if (fault.afterWork) work();
        incoming.socket.destroy();
        return;
      }
      const reply = work();
      const answer = () => {
        if (response.destroyed) return;
        if (reply.body === undefined) {
          response.writeHead(reply.status).end();
        } else {
          respondJson(response, reply.status, reply.body);
        }
      };
      if (fault) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, fault.delayMs);
        timers.add(timer);
      } else {
        answer();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  return {
    url: origin,
    requests,
    state,
    fault(match, fault) {
      faults.push({ match, fault });
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function faultBody(status: number) {
  const message =
    status === 429
      ? "Rate limit exceeded."
      : `The server answered ${status}; try again later.`;
  return { errorMessages: [message], errors: {} };
}
