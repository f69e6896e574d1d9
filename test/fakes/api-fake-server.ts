import http from "node:http";
import type { AddressInfo } from "node:net";

/** One request as a fake API received it. */
export interface RecordedRequest {
  method: string;
  /** The path with its query. */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  body: any;
}

/** What a fake answers; the body is sent as JSON. */
export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * What goes wrong with the next matching request:
 * - `status`: answered so (with `retryAfter` as Retry-After), and
 *   nothing is done;
 * - `delayMs`: done, then answered that late (a client with a shorter
 *   time limit gives up although the work was done);
 * - `reset`: the connection is destroyed, before or after the work.
 */
export type Fault =
  | {
      status: number;
      retryAfter?: string;
      headers?: Record<string, string>;
      body?: unknown;
    }
  | { delayMs: number }
  | { reset: "before-work" | "after-work" };

export interface ApiFakeServer {
  url: string;
  requests: RecordedRequest[];
  /** Applies the fault to the next request that `when` matches. */
  failNext(when: (request: RecordedRequest) => boolean, fault: Fault): void;
  close(): Promise<void>;
}

export interface FakeApi {
  /** An answer refuses the request before anything else happens. */
  authorize(request: RecordedRequest): FakeAnswer | undefined;
  /** Does the request's work against the fake's state. */
  handle(request: RecordedRequest): FakeAnswer;
  /** The provider's error body for an injected status. */
  errorBody(status: number): unknown;
}

/**
 * A provider's API on a free port of 127.0.0.1: records every request,
 * checks its credentials, then injects the armed fault or does the
 * work. Faults match by predicate, so a GraphQL fake can aim at one
 * operation although every request goes to the same path.
 */
export async function startApiFake(api: FakeApi): Promise<ApiFakeServer> {
  const requests: RecordedRequest[] = [];
  const faults: {
    when: (request: RecordedRequest) => boolean;
    fault: Fault;
  }[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = http.createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const request = record(incoming, Buffer.concat(chunks));
      requests.push(request);
      const refusal = api.authorize(request);
      if (refusal) {
        send(response, refusal);
        return;
      }

      const index = faults.findIndex((entry) => entry.when(request));
      const fault = index === -1 ? undefined : faults.splice(index, 1)[0];
      if (fault && "status" in fault.fault) {
        send(response, injected(fault.fault, api));
        return;
      }
      if (fault && "reset" in fault.fault) {
        if (fault.fault.reset === "after-work") work(api, request);
        incoming.socket.destroy();
        return;
      }
      const answer = work(api, request);
      if (fault && "delayMs" in fault.fault) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          send(response, answer);
        }, fault.fault.delayMs);
        timers.add(timer);
        return;
      }
      send(response, answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(when, fault) {
      faults.push({ when, fault });
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function record(incoming: http.IncomingMessage, raw: Buffer): RecordedRequest {
  let body: unknown;
  try {
    body = raw.length > 0 ? JSON.parse(raw.toString("utf8")) : undefined;
  } catch {
    body = undefined;
  }
  return {
    method: incoming.method ?? "",
    path: incoming.url ?? "",
    headers: incoming.headers,
    body,
  };
}

// A bug in a fake answers 500 with its message, which the test shows.
function work(api: FakeApi, request: RecordedRequest): FakeAnswer {
  try {
    return api.handle(request);
  } catch (error) {
    return { status: 500, body: { message: `fake: ${String(error)}` } };
  }
}

function injected(
  fault: Extract<Fault, { status: number }>,
  api: FakeApi,
): FakeAnswer {
  return {
    status: fault.status,
    headers: {
      ...(fault.retryAfter !== undefined && {
        "retry-after": fault.retryAfter,
      }),
      ...fault.headers,
    },
    body: fault.body ?? api.errorBody(fault.status),
  };
}

function send(response: http.ServerResponse, answer: FakeAnswer): void {
  if (response.destroyed) return;
  response.writeHead(answer.status, {
    "content-type": "application/json; charset=utf-8",
    ...answer.headers,
  });
  response.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
}
