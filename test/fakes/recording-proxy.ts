import http from "node:http";
import type { AddressInfo } from "node:net";

/** What reached the proxy: the request line's target and the headers. */
export interface ProxiedRequest {
  method: string;
  target: string;
  headers: http.IncomingHttpHeaders;
}

export interface RecordingProxy {
  url: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

/**
 * An HTTP proxy that writes down every request it is given and forwards
 * those in proxy form (`GET http://host:port/path`) to their target, as
 * an interceptor planted in a repository's `http.proxy` would: a push
 * through it works, and what it saw (the Authorization header) is kept.
 * A request that is not in proxy form is answered 502.
 */
export async function startRecordingProxy(): Promise<RecordingProxy> {
  const requests: ProxiedRequest[] = [];
  const server = http.createServer((incoming, response) => {
    const target = incoming.url ?? "";
    requests.push({
      method: incoming.method ?? "GET",
      target,
      headers: incoming.headers,
    });
    if (!/^https?:\/\//.test(target)) {
      response.writeHead(502, { "content-type": "text/plain" });
      response.end("not a proxy request");
      return;
    }
    const forwarded = http.request(
      target,
      { method: incoming.method, headers: incoming.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on("error", () => response.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve()),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
