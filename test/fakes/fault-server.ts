import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One request as a fake received it. */
export interface ReceivedRequest {
  method: string;
  /** Without the query. */
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON or form fields; the raw text when neither. */
  body: any;
}

export interface Answer {
  status: number;
  /** Objects are sent as JSON, strings as plain text. */
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * What the next matching request meets:
 * - `status`: that answer (with `Retry-After` when given), the work not
 *   done;
 * - `delayMs`: the work is done, the answer comes that much later, so a
 *   client with a shorter time limit gives up on work that happened;
 * - `reset`: the socket is destroyed, before the work or, with
 *   `afterWork`, after it.
 */
export type ServerFault =
  | { status: number; retryAfter?: string; body?: unknown }
  | { delayMs: number }
  | { reset: true; afterWork?: boolean };

export interface FaultServer {
  url: string;
  requests: ReceivedRequest[];
  /** Arms a fault for the next request with this method and path. */
  failNext(method: string, path: string | RegExp, fault: ServerFault): void;
  close(): Promise<void>;
}

/**
 * A third-party API on a real port of 127.0.0.1: it records every
 * request, lets `handle` do the work and answer, and injects faults.
 */
export async function startFaultServer(
  handle: (request: ReceivedRequest) => Answer,
  errorBody: (status: number) => unknown,
): Promise<FaultServer> {
  const requests: ReceivedRequest[] = [];
  const armed: { method: string; path: string | RegExp; fault: ServerFault }[] =
    [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const answer = (
    incoming: http.IncomingMessage,
    response: http.ServerResponse,
    request: ReceivedRequest,
  ) => {
    const index = armed.findIndex(
      (entry) =>
        entry.method === request.method &&
        (typeof entry.path === "string"
          ? entry.path === request.path
          : entry.path.test(request.path)),
    );
    const fault = index >= 0 ? armed.splice(index, 1)[0]?.fault : undefined;

    if (fault && "status" in fault) {
      const headers = fault.retryAfter
        ? { "retry-after": fault.retryAfter }
        : {};
      const body = fault.body ?? errorBody(fault.status);
      respond(response, { status: fault.status, body, headers });
      return;
    }
    if (fault && "reset" in fault && !fault.afterWork) {
      incoming.socket.destroy();
      return;
    }
    const done = handle(request);
    if (fault && "reset" in fault) {
      incoming.socket.destroy();
    } else if (fault && "delayMs" in fault) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!response.destroyed) respond(response, done);
      }, fault.delayMs);
      timers.add(timer);
    } else {
      respond(response, done);
    }
  };

  const server = http.createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const request = received(incoming, Buffer.concat(chunks).toString());
      requests.push(request);
      answer(incoming, response, request);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(method, path, fault) {
      armed.push({ method, path, fault });
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function received(
  incoming: http.IncomingMessage,
  text: string,
): ReceivedRequest {
  const url = new URL(incoming.url ?? "/", "http://fake");
  const type = incoming.headers["content-type"] ?? "";
  let body: unknown = text;
  if (type.startsWith("application/json")) {
    try {
      body = JSON.parse(text);
    } catch {}
  } else if (type.startsWith("application/x-www-form-urlencoded")) {
    body = Object.fromEntries(new URLSearchParams(text));
  }
  return {
    method: incoming.method ?? "",
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: incoming.headers,
    body,
  };
}

function respond(response: http.ServerResponse, answer: Answer): void {
  const isText = typeof answer.body === "string";
  response.writeHead(answer.status, {
    "content-type": isText ? "text/plain" : "application/json",
    ...answer.headers,
  });
  response.end(isText ? (answer.body as string) : JSON.stringify(answer.body));
}
