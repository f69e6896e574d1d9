import http from "node:http";
import net from "node:net";
import { Webhook } from "standardwebhooks";
import type { JsonResponse, TestServer } from "../helpers/test-server.ts";

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | undefined;
}

/**
 * Sends bytes exactly as given: node:http keeps the path unnormalized
 * (dot segments, encoded slashes) and the body as raw bytes, which
 * `fetch` would not.
 */
export function sendRaw(
  server: TestServer,
  request: RawRequest,
  agent: http.Agent | false = false,
): Promise<RawAnswer> {
  const { port, hostname } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: hostname,
        port,
        method: request.method,
        path: request.path,
        // A length, as senders give; node would chunk a GET's body and
        // then trip over its own parser on the early answer.
        headers: {
          ...(request.body
            ? { "content-length": String(request.body.length) }
            : {}),
          ...request.headers,
        },
        agent,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    outgoing.on("error", reject);
    outgoing.end(request.body);
  });
}

/**
 * Writes raw HTTP/1.1 bytes on a fresh socket and returns everything the
 * server answered until it closed the connection or `waitMs` passed.
 * For what no client library will send: a lying Content-Length, or
 * chunks the client keeps writing after the server has answered.
 */
export function exchangeBytes(
  server: TestServer,
  parts: readonly Buffer[],
  waitMs = 2_000,
): Promise<string> {
  const { port, hostname } = new URL(server.url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    const received: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(received).toString("latin1"));
    };
    const timer = setTimeout(done, waitMs);
    socket.on("data", (chunk) => received.push(chunk));
    socket.on("close", done);
    // The server may close while we still write; what it answered counts.
    socket.on("error", () => {});
    socket.on("connect", async () => {
      for (const part of parts) {
        if (socket.destroyed) return;
        socket.write(part);
        await new Promise((next) => setImmediate(next));
      }
    });
  });
}

/** The status codes of every HTTP answer found in a raw byte stream. */
export function statusLines(raw: string): number[] {
  return [...raw.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) =>
    Number(match[1]),
  );
}

/**
 * Signs raw bytes with the `standardwebhooks` package, the independent
 * reference, for bodies a string cannot carry (invalid UTF-8).
 */
export function signBytes(
  secret: string,
  body: Buffer,
  options: { id?: string; timestamp?: Date; token?: string } = {},
): { headers: Record<string, string>; body: Buffer } {
  const id = options.id ?? `msg_${Math.random().toString(36).slice(2)}`;
  const timestamp = options.timestamp ?? new Date();
  return {
    body,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "webhook-signature": new Webhook(secret).sign(id, timestamp, body),
      ...(options.token ? { "x-gitlab-token": options.token } : {}),
    },
  };
}

/** Rows in one of the tables a delivery writes, read straight from SQL. */
export async function countRows(
  server: TestServer,
  table: "runs" | "jobs" | "deliveries" | "merge_requests",
): Promise<number> {
  const row = await server.app.store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** POSTs with fetch, keeping the body as given (string or bytes). */
export async function post(
  server: TestServer,
  urlPath: string,
  headers: Record<string, string>,
  body?: string | Buffer,
): Promise<JsonResponse> {
  const response = await fetch(`${server.url}${urlPath}`, {
    method: "POST",
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, body: parsed };
}

export const genericUrl = (projectId: number | string) =>
  `/api/v4/projects/${projectId}/workflows/trigger`;
export const triggerUrl = (
  projectId: number | string,
  triggerId: number | string,
) => `/api/v4/projects/${projectId}/workflows/triggers/${triggerId}/webhook`;
