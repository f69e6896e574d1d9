import http from "node:http";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  OutboundError,
  OutboundNetworkError,
  OutboundRefusedError,
  OutboundStatusError,
} from "../../src/outbound/outbound-errors.ts";
import {
  createOutboundHttp,
  type OutboundHttp,
  type Resolve,
} from "../../src/outbound/outbound-http.ts";
import type { OutboundPolicy } from "../../src/outbound/outbound-policy.ts";
import { freePort } from "../helpers/test-server.ts";

const HTTPS_ONLY: OutboundPolicy = { allowPrivate: false, allowedHosts: [] };
const PRIVATE_ALLOWED: OutboundPolicy = {
  allowPrivate: true,
  allowedHosts: [],
};
/** Looks public; nothing here ever connects to it. */
const PUBLIC_ADDRESS = "93.184.216.34";
const TIMEOUT_MS = 300;
/** Far above TIMEOUT_MS, far below the client's ten-second default. */
const TIMEOUT_BOUND_MS = TIMEOUT_MS + 2_000;

interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Handler = (received: Received, response: http.ServerResponse) => void;

/** A real server on 127.0.0.1 that keeps what reached it. */
interface Target {
  port: number;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Connections accepted, whether or not a request followed. */
  connections: number;
  requests: Received[];
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function answer(status: number, body: unknown, headers = {}): Handler {
  return (_received, response) => {
    response.writeHead(status, {
      "content-type": "application/json",
      ...headers,
    });
    response.end(JSON.stringify(body));
  };
}

function redirect(status: number, location: string): Handler {
  return (_received, response) => {
    response.writeHead(status, { location });
    response.end();
  };
}

async function startTarget(
  handler: Handler = answer(200, { ok: true }),
): Promise<Target> {
  const port = await freePort();
  const target: Target = {
    port,
    origin: `http://127.0.0.1:${port}`,
    connections: 0,
    requests: [],
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const received = {
        method: request.method ?? "",
        path: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      target.requests.push(received);
      handler(received, response);
    });
  });
  server.on("connection", () => {
    target.connections += 1;
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return target;
}

function client(
  policy: OutboundPolicy,
  options: Parameters<typeof createOutboundHttp>[1] = {},
): OutboundHttp {
  const outbound = createOutboundHttp(policy, options);
  cleanups.push(() => outbound.close());
  return outbound;
}

/** Answers each name with its addresses, and notes every question. */
function fixedResolve(names: Record<string, string[]>) {
  const asked: string[] = [];
  const resolve: Resolve = async (hostname) => {
    asked.push(hostname);
    const addresses = names[hostname];
    if (!addresses) {
      throw Object.assign(new Error(`${hostname} is unknown`), {
        code: "ENOTFOUND",
      });
    }
    return addresses.map((address) => ({
      address,
      family: net.isIP(address),
    }));
  };
  return { resolve, asked };
}

/** The OutboundError a call ends in; fails the test if it succeeds. */
async function failureOf(call: Promise<unknown>): Promise<OutboundError> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(OutboundError);
    return error as OutboundError;
  }
  throw new Error("the call succeeded but should have failed");
}

/** The template with each `{name}` replaced by its value. */
function fill(template: string, values: Record<string, number | string>) {
  return template.replace(/\{(\w+)\}/g, (_, name: string) =>
    String(values[name]),
  );
}

async function timed<T>(call: Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await call;
  return [result, performance.now() - started];
}

describe("outbound HTTP with the default policy", () => {
  it.each([
    "http://127.0.0.1:{port}/",
    "https://127.0.0.1/",
    "http://10.0.0.1/",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]:{port}/",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://localhost:{port}/",
  ])("refuses %s and sends it nothing", async (template) => {
    const target = await startTarget();
    const url = `${fill(template, { port: target.port })}?t=secret`;
    const outbound = client(HTTPS_ONLY, { timeoutMs: 2_000 });

    const error = await failureOf(outbound.send({ method: "GET", url }));

    expect(error).toBeInstanceOf(OutboundRefusedError);
    expect(error.transient).toBe(false);
    expect(error.message).toMatch(/FLOWGATE_OUTBOUND_ALLOW_(PRIVATE|HOSTS)/);
    expect(error.message).not.toContain("secret");
    expect(target.connections).toBe(0);
  });

  // Over https the scheme passes, so the address check alone refuses.
  it.each([
    "https://127.0.0.1:{port}/",
    "https://10.0.0.1/",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]:{port}/",
    "https://[::ffff:127.0.0.1]:{port}/",
    "https://[::ffff:a9fe:a9fe]/latest/meta-data",
    "https://localhost:{port}/",
  ])("refuses https to the private address of %s", async (template) => {
    const target = await startTarget();
    const url = `${fill(template, { port: target.port })}?t=secret`;
    const outbound = client(HTTPS_ONLY, { timeoutMs: 2_000 });

    const error = await failureOf(outbound.send({ method: "GET", url }));

    expect(error).toBeInstanceOf(OutboundRefusedError);
    expect(error.message).toContain("FLOWGATE_OUTBOUND_ALLOW_PRIVATE=true");
    expect(error.message).not.toContain("secret");
    expect(target.connections).toBe(0);
  });

  it.each([
    [["127.0.0.1"]],
    [["10.0.0.1"]],
    [[PUBLIC_ADDRESS, "127.0.0.1"]],
    [["::ffff:7f00:1"]],
  ])("refuses a name that resolves to %j", async (addresses) => {
    const target = await startTarget();
    const { resolve, asked } = fixedResolve({
      "internal.example.test": addresses,
    });
    const outbound = client(HTTPS_ONLY, { resolve, timeoutMs: 2_000 });

    const error = await failureOf(
      outbound.send({
        method: "GET",
        url: `https://internal.example.test:${target.port}/?t=secret`,
      }),
    );

    expect(error).toBeInstanceOf(OutboundRefusedError);
    expect(error.message).toContain("internal.example.test");
    expect(error.message).toContain("FLOWGATE_OUTBOUND_ALLOW_PRIVATE=true");
    expect(error.message).not.toContain("secret");
    expect(asked).toContain("internal.example.test");
    expect(target.connections).toBe(0);
  });

  it("refuses plain http to a public host without asking where it is", async () => {
    const { resolve, asked } = fixedResolve({
      "public.example.test": [PUBLIC_ADDRESS],
    });
    const outbound = client(HTTPS_ONLY, { resolve });

    const error = await failureOf(
      outbound.send({ method: "GET", url: "http://public.example.test/" }),
    );

    expect(error).toBeInstanceOf(OutboundRefusedError);
    expect(error.message).toContain("only https is allowed");
    expect(error.message).toContain("FLOWGATE_OUTBOUND_ALLOW_HOSTS");
    expect(asked).toEqual([]);
  });

  it("sends plain http to a private host the policy names", async () => {
    const target = await startTarget();
    const { resolve } = fixedResolve({
      "hooks.example.test": ["127.0.0.1"],
    });
    const outbound = client(
      { allowPrivate: false, allowedHosts: ["hooks.example.test"] },
      { resolve },
    );

    const response = await outbound.send({
      method: "GET",
      url: `http://hooks.example.test:${target.port}/hook`,
    });

    expect(response.status).toBe(200);
    expect(target.requests).toHaveLength(1);
    expect(target.requests[0]?.headers.host).toBe(
      `hooks.example.test:${target.port}`,
    );
  });

  it("reaches a host named with a port on that port only", async () => {
    const named = await startTarget();
    const other = await startTarget();
    const { resolve } = fixedResolve({
      "hooks.example.test": ["127.0.0.1"],
    });
    const outbound = client(
      {
        allowPrivate: false,
        allowedHosts: [`hooks.example.test:${named.port}`],
      },
      { resolve, timeoutMs: 2_000 },
    );

    const response = await outbound.send({
      method: "GET",
      url: `http://hooks.example.test:${named.port}/`,
    });
    const error = await failureOf(
      outbound.send({
        method: "GET",
        url: `https://hooks.example.test:${other.port}/`,
      }),
    );

    expect(response.status).toBe(200);
    expect(error).toBeInstanceOf(OutboundRefusedError);
    expect(other.connections).toBe(0);
  });
});

describe("outbound HTTP following redirects", () => {
  it.each([
    "http://127.0.0.1:{port}/",
    "https://127.0.0.1:{port}/",
    "https://rebound.example.test:{port}/",
    "https://[::ffff:127.0.0.1]:{port}/",
  ])("refuses a redirect from a named host to %s", async (template) => {
    const hidden = await startTarget();
    const location = fill(template, { port: hidden.port });
    const named = await startTarget(redirect(302, location));
    const { resolve } = fixedResolve({
      "hooks.example.test": ["127.0.0.1"],
      "rebound.example.test": ["127.0.0.1"],
    });
    const outbound = client(
      { allowPrivate: false, allowedHosts: ["hooks.example.test"] },
      { resolve, timeoutMs: 2_000 },
    );

    const error = await failureOf(
      outbound.send({
        method: "GET",
        url: `http://hooks.example.test:${named.port}/start`,
      }),
    );

    expect(error).toBeInstanceOf(OutboundRefusedError);
    expect(named.requests).toHaveLength(1);
    expect(hidden.connections).toBe(0);
  });

  it("follows five redirects and fails on the sixth", async () => {
    const target = await startTarget((received, response) => {
      const left = Number(received.path.split("/").pop());
      if (left === 0) return answer(200, { arrived: true })(received, response);
      redirect(302, `/hop/${left - 1}`)(received, response);
    });
    const outbound = client(PRIVATE_ALLOWED);

    const five = await outbound.send({
      method: "GET",
      url: `${target.origin}/hop/5`,
    });
    expect(five.json()).toEqual({ arrived: true });
    expect(target.requests).toHaveLength(6);

    const error = await failureOf(
      outbound.send({ method: "GET", url: `${target.origin}/hop/6` }),
    );
    expect(error.message).toContain("redirected more than 5 times");
    expect(error.transient).toBe(false);
    expect(target.requests).toHaveLength(12);
  });

  it("continues a POST as a GET without its body after a 303", async () => {
    const target = await startTarget((received, response) => {
      if (received.path === "/form") {
        return redirect(303, "/result")(received, response);
      }
      answer(200, { done: true })(received, response);
    });
    const outbound = client(PRIVATE_ALLOWED);

    const response = await outbound.send({
      method: "POST",
      url: `${target.origin}/form`,
      json: { title: "a ticket" },
    });

    expect(response.json()).toEqual({ done: true });
    const [posted, followed] = target.requests;
    expect(posted?.method).toBe("POST");
    expect(posted?.body).toBe('{"title":"a ticket"}');
    expect(followed?.method).toBe("GET");
    expect(followed?.path).toBe("/result");
    expect(followed?.body).toBe("");
    expect(followed?.headers).not.toHaveProperty("content-type");
  });

  it("repeats a POST with its body after a 307", async () => {
    const target = await startTarget((received, response) => {
      if (received.path === "/old") {
        return redirect(307, "/new")(received, response);
      }
      answer(201, { created: true })(received, response);
    });
    const outbound = client(PRIVATE_ALLOWED);

    const response = await outbound.send({
      method: "POST",
      url: `${target.origin}/old`,
      json: { title: "a ticket" },
    });

    expect(response.status).toBe(201);
    expect(target.requests[1]?.method).toBe("POST");
    expect(target.requests[1]?.body).toBe('{"title":"a ticket"}');
  });

  it("carries credentials within an origin but not to another", async () => {
    const elsewhere = await startTarget();
    const target = await startTarget((received, response) => {
      const next =
        received.path === "/start" ? "/again" : `${elsewhere.origin}/`;
      redirect(302, next)(received, response);
    });
    const outbound = client(PRIVATE_ALLOWED);

    await outbound.send({
      method: "GET",
      url: `${target.origin}/start`,
      headers: {
        accept: "application/vnd.example+json",
        authorization: "Bearer s3cret",
        cookie: "session=s3cret",
        "private-token": "s3cret",
      },
    });

    expect(target.requests.map((r) => r.headers.authorization)).toEqual([
      "Bearer s3cret",
      "Bearer s3cret",
    ]);
    const carried = elsewhere.requests[0]?.headers ?? {};
    expect(carried.accept).toBe("application/vnd.example+json");
    expect(carried).not.toHaveProperty("authorization");
    expect(carried).not.toHaveProperty("cookie");
    expect(carried).not.toHaveProperty("private-token");
  });

  it("fails a redirect to a Location that is no URL", async () => {
    const target = await startTarget(redirect(302, "http://[oops/"));
    const outbound = client(PRIVATE_ALLOWED);

    const error = await failureOf(
      outbound.send({ method: "GET", url: `${target.origin}/` }),
    );

    expect(error.transient).toBe(false);
    expect(error.message).toContain(`GET ${target.origin}/ redirected`);
  });
});

describe("outbound HTTP with private addresses allowed", () => {
  it("sends JSON and answers the parsed JSON of a 200", async () => {
    const target = await startTarget(answer(200, { ok: true, ids: [1, 2] }));
    const outbound = client(PRIVATE_ALLOWED);

    const response = await outbound.send({
      method: "POST",
      url: `${target.origin}/hook`,
      json: { event: "ping" },
    });

    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("application/json");
    expect(response.json()).toEqual({ ok: true, ids: [1, 2] });
    expect(target.requests[0]?.headers["content-type"]).toBe(
      "application/json",
    );
    expect(target.requests[0]?.body).toBe('{"event":"ping"}');
  });

  it("throws a transient status error with the status for a 500", async () => {
    const target = await startTarget(answer(500, { error: "it broke" }));
    const outbound = client(PRIVATE_ALLOWED);

    const error = await failureOf(
      outbound.send({ method: "GET", url: `${target.origin}/` }),
    );

    expect(error).toBeInstanceOf(OutboundStatusError);
    expect((error as OutboundStatusError).status).toBe(500);
    expect((error as OutboundStatusError).bodyPreview).toContain("it broke");
    expect(error.transient).toBe(true);
    expect(error.retryAfterMs).toBeUndefined();
  });

  it("reads Retry-After from a 429 as milliseconds", async () => {
    const target = await startTarget(answer(429, {}, { "retry-after": "2" }));
    const outbound = client(PRIVATE_ALLOWED);

    const error = await failureOf(
      outbound.send({ method: "GET", url: `${target.origin}/` }),
    );

    expect(error).toBeInstanceOf(OutboundStatusError);
    expect(error.transient).toBe(true);
    expect(error.retryAfterMs).toBe(2_000);
  });

  it("counts a 404 as final", async () => {
    const target = await startTarget(answer(404, { error: "no such" }));
    const outbound = client(PRIVATE_ALLOWED);

    const error = await failureOf(
      outbound.send({ method: "GET", url: `${target.origin}/` }),
    );

    expect(error).toBeInstanceOf(OutboundStatusError);
    expect((error as OutboundStatusError).status).toBe(404);
    expect(error.transient).toBe(false);
  });

  it.each([
    ["the client's", { timeoutMs: TIMEOUT_MS }, {}],
    ["the request's", {}, { timeoutMs: TIMEOUT_MS }],
  ])(
    "gives up on a silent server after %s time limit",
    async (_, options, request) => {
      const target = await startTarget(() => {});
      const outbound = client(PRIVATE_ALLOWED, options);

      const [error, elapsedMs] = await timed(
        failureOf(
          outbound.send({
            method: "GET",
            url: `${target.origin}/`,
            ...request,
          }),
        ),
      );

      expect(error).toBeInstanceOf(OutboundNetworkError);
      expect(error.transient).toBe(true);
      expect(error.message).toContain(`timed out after ${TIMEOUT_MS} ms`);
      expect(elapsedMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(elapsedMs).toBeLessThan(TIMEOUT_BOUND_MS);
    },
  );

  it("throws a transient network error when the connection is reset", async () => {
    const target = await startTarget((_received, response) => {
      response.socket?.resetAndDestroy();
    });
    const outbound = client(PRIVATE_ALLOWED);

    const error = await failureOf(
      outbound.send({ method: "GET", url: `${target.origin}/` }),
    );

    expect(error).toBeInstanceOf(OutboundNetworkError);
    expect(error.transient).toBe(true);
  });

  it("throws a transient network error when nothing listens", async () => {
    const port = await freePort();
    const outbound = client(PRIVATE_ALLOWED);

    const error = await failureOf(
      outbound.send({ method: "GET", url: `http://127.0.0.1:${port}/` }),
    );

    expect(error).toBeInstanceOf(OutboundNetworkError);
    expect(error.message).toContain("ECONNREFUSED");
  });

  it("refuses an answer larger than maxResponseBytes", async () => {
    const target = await startTarget((_received, response) => {
      response.writeHead(200, { "content-type": "text/plain" });
      response.end("x".repeat(64 * 1024));
    });
    const outbound = client(PRIVATE_ALLOWED);

    const error = await failureOf(
      outbound.send({
        method: "GET",
        url: `${target.origin}/`,
        maxResponseBytes: 1_000,
      }),
    );

    expect(error).not.toBeInstanceOf(OutboundNetworkError);
    expect(error.transient).toBe(false);
    expect(error.message).toContain("answered more than 1000 bytes");
  });

  it("stops when the caller's signal aborts", async () => {
    const controller = new AbortController();
    const target = await startTarget(() => controller.abort());
    const outbound = client(PRIVATE_ALLOWED);

    const [error, elapsedMs] = await timed(
      failureOf(
        outbound.send({
          method: "GET",
          url: `${target.origin}/`,
          signal: controller.signal,
        }),
      ),
    );

    expect(error).not.toBeInstanceOf(OutboundNetworkError);
    expect(error.transient).toBe(false);
    expect(error.message).toContain("was canceled");
    expect(target.requests).toHaveLength(1);
    expect(elapsedMs).toBeLessThan(TIMEOUT_BOUND_MS);
  });

  it("sends nothing when the caller's signal is already aborted", async () => {
    const target = await startTarget();
    const outbound = client(PRIVATE_ALLOWED);

    const error = await failureOf(
      outbound.send({
        method: "GET",
        url: `${target.origin}/`,
        signal: AbortSignal.abort(),
      }),
    );

    expect(error.message).toContain("was canceled");
    expect(target.requests).toHaveLength(0);
  });
});

describe("outbound HTTP error messages", () => {
  const SECRETS = ["alice", "hunter2", "s3cret", "token="];

  it.each([
    ["a private address", HTTPS_ONLY, "https://{auth}127.0.0.1:{port}/hook"],
    ["plain http", HTTPS_ONLY, "http://{auth}hooks.example.test/hook"],
    ["a 500", PRIVATE_ALLOWED, "http://{auth}127.0.0.1:{port}/hook"],
    ["no listener", PRIVATE_ALLOWED, "http://{auth}127.0.0.1:{closed}/hook"],
    ["no URL at all", PRIVATE_ALLOWED, "http://{auth}hooks example/hook"],
  ])(
    "leave out the query and userinfo after %s",
    async (_, policy, template) => {
      const target = await startTarget(answer(500, {}));
      const url = fill(`${template}?token=s3cret`, {
        auth: "alice:hunter2@",
        port: target.port,
        closed: await freePort(),
      });
      const outbound = client(policy);

      const error = await failureOf(outbound.send({ method: "GET", url }));

      expect(error.message).toMatch(/^GET /);
      for (const secret of SECRETS) expect(error.message).not.toContain(secret);
    },
  );

  it("names the method and the URL without its query", async () => {
    const target = await startTarget(answer(502, {}));
    const outbound = client(PRIVATE_ALLOWED);

    const error = await failureOf(
      outbound.send({
        method: "PUT",
        url: `http://alice:hunter2@127.0.0.1:${target.port}/a/b?token=s3cret`,
      }),
    );

    expect(error.message).toBe(
      `PUT http://127.0.0.1:${target.port}/a/b answered 502`,
    );
  });
});
