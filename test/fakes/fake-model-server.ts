import http from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the fake received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: any;
}

export interface ToolCallReply {
  name: string;
  /** An object is sent as JSON; a string as it is (malformed, say). */
  arguments: Record<string, unknown> | string;
}

/** What the fake answers next. */
export type FakeReply =
  | { text?: string; toolCalls?: ToolCallReply[] }
  | {
      status: number;
      headers?: Record<string, string>;
      body?: unknown;
    }
  | { hang: true }
  /** Answers `reply` once `hold` resolves: a model still thinking while
   * a test does something else. */
  | { hold: () => Promise<void>; reply: FakeReply };

export interface FakeModelServer {
  url: string;
  requests: RecordedRequest[];
  /** Queues answers, given in order; the last one repeats. */
  reply(...replies: FakeReply[]): void;
  close(): Promise<void>;
}

/** Writes a reply in one API's documented shape. */
export type ReplyRenderer = (
  request: RecordedRequest,
  reply: Exclude<
    FakeReply,
    { status: number } | { hang: true } | { hold: () => Promise<void> }
  >,
  response: http.ServerResponse,
  sequence: number,
) => void;

/**
 * A model API on a real port: it records every request and answers from
 * a queue of scripted replies, in the shape `render` writes.
 */
export async function startFakeModelServer(
  render: ReplyRenderer,
  errorBody: (status: number) => unknown,
  checkAuth: (request: RecordedRequest) => boolean,
): Promise<FakeModelServer> {
  const requests: RecordedRequest[] = [];
  const queue: FakeReply[] = [];
  let last: FakeReply = { text: "Nothing left to do." };
  let sequence = 0;
  const open = new Set<http.ServerResponse>();

  const server = http.createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {}
      const request: RecordedRequest = {
        method: incoming.method ?? "",
        path: incoming.url ?? "",
        headers: incoming.headers,
        body,
        json,
      };
      requests.push(request);
      if (!checkAuth(request)) {
        respondJson(response, 401, errorBody(401));
        return;
      }
      const reply = queue.shift() ?? last;
      last = reply;
      sequence += 1;
      answer(request, reply, response, sequence);
    });
  });

  function answer(
    request: RecordedRequest,
    reply: FakeReply,
    response: http.ServerResponse,
    at: number,
  ): void {
    if ("hang" in reply) {
      open.add(response);
      return;
    }
    if ("hold" in reply) {
      open.add(response);
      void reply.hold().then(() => {
        open.delete(response);
        answer(request, reply.reply, response, at);
      });
      return;
    }
    if ("status" in reply) {
      respondJson(
        response,
        reply.status,
        reply.body ?? errorBody(reply.status),
        reply.headers,
      );
      return;
    }
    render(request, reply, response, at);
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reply(...replies) {
      queue.push(...replies);
    },
    async close() {
      for (const response of open) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export function respondJson(
  response: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    "content-type": "application/json",
    ...headers,
  });
  response.end(JSON.stringify(body));
}

/** Server-sent events: `event:` lines only when a name is given. */
export function writeEvents(
  response: http.ServerResponse,
  events: { event?: string; data: unknown }[],
): void {
  response.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
  });
  for (const { event, data } of events) {
    const payload = typeof data === "string" ? data : JSON.stringify(data);
    response.write(`${event ? `event: ${event}\n` : ""}data: ${payload}\n\n`);
  }
  response.end();
}

export function argumentsText(call: ToolCallReply): string {
  return typeof call.arguments === "string"
    ? call.arguments
    : JSON.stringify(call.arguments);
}

/** Cuts text into pieces, as a streaming server sends it. */
export function pieces(text: string, size = 7): string[] {
  const parts: string[] = [];
  for (let index = 0; index < text.length; index += size) {
    parts.push(text.slice(index, index + size));
  }
  return parts.length > 0 ? parts : [""];
}
