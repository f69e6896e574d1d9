import { createHmac } from "node:crypto";
import http from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CreatedTrigger,
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";
import { countRows, type RawRequest, sendRaw } from "./raw-requests.ts";

const BATCHES = 200;
const BATCH_SIZE = 50;
// About 30 s alone on two cores; the margin is for sharing them.
const FUZZ_TIMEOUT_MS = 90_000;
const MINUTE_S = 60;

/** One malformed request and the statuses it may get (any 4xx if unset). */
interface FuzzCase {
  kind: string;
  request: RawRequest;
  expected?: readonly number[];
}

interface Target {
  projectId: number;
  projectPath: string;
  signature: CreatedTrigger;
  tokenAndSignature: CreatedTrigger;
}

// --- bodies that must never start a run -------------------------------

/** Header-safe text: node refuses control characters and code points
 * above 0xff, so these are what a hostile sender can really put there. */
const headerText = (maxLength = 64) =>
  fc.string({
    unit: fc
      .integer({ min: 0x20, max: 0xff })
      .filter((code) => code !== 0x7f)
      .map((code) => String.fromCharCode(code)),
    maxLength,
  });

const validTicket = fc.record({
  title: fc
    .string({ minLength: 1, maxLength: 40 })
    .filter((title) => title.trim().length > 0),
  external_reference: fc.stringMatching(/^[A-Z]{2,5}-\d{1,5}$/),
});

const deepText = (depth: number, open: string, close: string, leaf: string) =>
  open.repeat(depth) + leaf + close.repeat(depth);

/** A depth past the limit of 16: mostly shallow, now and then huge. */
const excessiveDepth = fc.oneof(
  { arbitrary: fc.integer({ min: 17, max: 200 }), weight: 20 },
  { arbitrary: fc.integer({ min: 1_000, max: 20_000 }), weight: 2 },
  { arbitrary: fc.constant(100_000), weight: 1 },
);

const notAWorkflowType = fc.oneof(
  fc.constantFrom("Developer", "", "1dev", "dev elop", "x".repeat(65)),
  fc.integer(),
  fc.constant(null),
);

/**
 * Field values each of which makes the generic body invalid on its own,
 * keyed by field; `undefined` removes a required field.
 */
const breakingFields: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(
    fc.constant("title"),
    fc.oneof(
      fc.integer(),
      fc.constant(null),
      fc.constant(undefined),
      fc.boolean(),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.constantFrom("", "   ", "\t\n"),
      fc.integer({ min: 256, max: 2_000 }).map((n) => "t".repeat(n)),
      fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
    ),
  ),
  fc.tuple(
    fc.constant("external_reference"),
    fc.oneof(
      fc.integer(),
      fc.constant(null),
      fc.constant(undefined),
      fc.constant(""),
      fc.integer({ min: 129, max: 1_000 }).map((n) => "R".repeat(n)),
      fc
        .tuple(
          fc.string({ maxLength: 10 }),
          fc.constantFrom(" ", "!", "é", "\u0000", "%", "\n", "<", "😀", "?"),
          fc.string({ maxLength: 10 }),
        )
        .map((parts) => parts.join("")),
    ),
  ),
  fc.tuple(
    fc.constant("external_url"),
    fc.oneof(
      fc.constantFrom(
        "ftp://tracker.example.com/1",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "not a url",
        "",
        "http//missing-colon",
        "data:text/plain,hi",
      ),
      fc.integer(),
      fc
        .integer({ min: 2_100, max: 5_000 })
        .map((n) => `https://tracker.example.com/${"a".repeat(n)}`),
    ),
  ),
  fc.tuple(fc.constant("workflow_type"), notAWorkflowType),
  fc.tuple(
    fc.constant("external_system"),
    fc.oneof(fc.constantFrom("", "has space", "a".repeat(65)), fc.integer()),
  ),
  fc.tuple(
    fc.constant("description"),
    fc.oneof(
      { arbitrary: fc.integer(), weight: 3 },
      { arbitrary: fc.constant(null), weight: 3 },
      { arbitrary: fc.array(fc.string(), { maxLength: 3 }), weight: 3 },
      { arbitrary: fc.constant("d".repeat(256 * 1024 + 1)), weight: 1 },
    ),
  ),
  fc.tuple(
    fc.constant("context"),
    fc.oneof(
      fc.constant(null),
      fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
      fc.string({ maxLength: 20 }),
      fc.integer(),
      fc.constant({ big: "c".repeat(64 * 1024) }),
      fc.record({
        acceptance_criteria: fc.oneof(
          fc.integer(),
          fc.constant(null),
          fc.boolean(),
          fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
          fc
            .tuple(fc.array(fc.string(), { maxLength: 3 }), fc.integer())
            .map(([strings, number]) => [...strings, number]),
        ),
      }),
    ),
  ),
);

/** Keys no schema knows, including ones that target prototypes. */
const junkKeys = fc.dictionary(
  fc.oneof(
    fc.constantFrom("__proto__", "constructor", "prototype", "toString"),
    fc.string({ maxLength: 12 }),
  ),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 3 },
);

/** A generic body with at least one field broken. */
const brokenPayload = fc
  .tuple(
    validTicket,
    fc.array(breakingFields, { minLength: 1, maxLength: 3 }),
    junkKeys,
  )
  .map(([ticket, broken, junk]) => {
    const payload: Record<string, unknown> = { ...junk, ...ticket };
    for (const [field, value] of broken) payload[field] = value;
    // JSON.stringify drops undefined: the field is then missing.
    return Buffer.from(JSON.stringify(payload));
  });

/** Valid fields around a context nested past the depth limit. */
const deepContext = fc
  .tuple(validTicket, excessiveDepth, fc.boolean())
  .map(([ticket, depth, arrays]) => {
    const deep = arrays
      ? `{"k":${deepText(depth, "[", "]", "1")}}`
      : deepText(depth, '{"a":', "}", "1");
    const text = JSON.stringify({ ...ticket, context: "<deep>" });
    return Buffer.from(text.replace('"<deep>"', deep));
  });

/** Bodies that are not a JSON object at all. */
const notAnObject = fc.oneof(
  fc
    .jsonValue({ maxDepth: 3 })
    .filter(
      (value) =>
        value === null || typeof value !== "object" || Array.isArray(value),
    )
    .map((value) => Buffer.from(JSON.stringify(value))),
  excessiveDepth.map((depth) => Buffer.from(deepText(depth, "[", "]", ""))),
  fc
    .string({ maxLength: 60 })
    .filter((text) => !parses(text))
    .map((text) => Buffer.from(text)),
  validTicket.chain((ticket) => {
    const text = JSON.stringify(ticket);
    return fc
      .nat({ max: text.length - 1 })
      .map((cut) => Buffer.from(text.slice(0, cut)));
  }),
  fc
    .integer({ min: 1, max: 5_000 })
    .map((depth) => Buffer.from("[".repeat(depth))),
  fc.constant(Buffer.alloc(0)),
);

/** A valid ticket with bytes that are not UTF-8 spliced in somewhere. */
const invalidUtf8 = fc
  .tuple(
    validTicket,
    fc.nat(),
    fc.constantFrom(
      [0xff],
      [0xfe],
      [0x80],
      [0xc0, 0xaf],
      [0xc3, 0x28],
      [0xed, 0xa0, 0x80],
      [0xe2, 0x82],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
    ),
  )
  .map(([ticket, at, bytes]) => {
    const text = Buffer.from(JSON.stringify(ticket));
    const cut = at % (text.length + 1);
    return Buffer.concat([
      text.subarray(0, cut),
      Buffer.from(bytes),
      text.subarray(cut),
    ]);
  });

const malformedBody = fc.oneof(
  { arbitrary: brokenPayload, weight: 6 },
  { arbitrary: notAnObject, weight: 3 },
  { arbitrary: invalidUtf8, weight: 2 },
  { arbitrary: deepContext, weight: 1 },
);

const anyBody = fc.oneof(
  malformedBody,
  validTicket.map((ticket) => Buffer.from(JSON.stringify(ticket))),
);

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

// --- requests ---------------------------------------------------------

const JSON_TYPES = ["application/json", "application/json; charset=utf-8"];
const NOT_JSON_TYPES = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=fuzz",
  "application/xml",
  "application/octet-stream",
  "text/json",
  "application/jsonp",
  "application/vnd.api+json",
];

/** A Standard Webhooks signature over any timestamp text, with node's
 * HMAC, for timestamps the reference package cannot express. */
function hmacSignature(
  secret: string,
  id: string,
  timestamp: string,
  body: Buffer,
): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const digest = createHmac("sha256", key)
    .update(`${id}.${timestamp}.`)
    .update(body)
    .digest("base64");
  return `v1,${digest}`;
}

/**
 * Signs like signBytes in raw-requests.ts, with node's HMAC: answers.test
 * checks both against the published test vector, and the reference
 * package's pure-JavaScript hash would dominate ten thousand requests.
 */
function signFast(
  secret: string,
  body: Buffer,
  options: { token?: string } = {},
): { headers: Record<string, string>; body: Buffer } {
  const id = `msg_${Math.random().toString(36).slice(2)}`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    body,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": timestamp,
      "webhook-signature": hmacSignature(secret, id, timestamp, body),
      ...(options.token ? { "x-gitlab-token": options.token } : {}),
    },
  };
}

function requestCases(target: Target): fc.Arbitrary<FuzzCase> {
  const { projectId, signature, tokenAndSignature } = target;
  const generic = `/api/v4/projects/${projectId}/workflows/trigger`;
  const perTrigger = (trigger: CreatedTrigger) =>
    `/api/v4/projects/${projectId}/workflows/triggers/${trigger.id}/webhook`;
  const realUrls = [
    generic,
    `/api/v4/projects/${encodeURIComponent(target.projectPath)}/workflows/trigger`,
    perTrigger(signature),
    perTrigger(tokenAndSignature),
  ];
  const realUrl = fc.constantFrom(...realUrls);
  const tokenFor = (path: string) =>
    path === perTrigger(signature) ? signature.token : tokenAndSignature.token;
  const secretFor = (path: string) =>
    path === perTrigger(signature)
      ? signature.signing_secret
      : tokenAndSignature.signing_secret;

  /** Authentic in every way but the body. */
  const signedMalformed = fc
    .tuple(realUrl, malformedBody, fc.constantFrom(...JSON_TYPES))
    .map(([path, body, type]): FuzzCase => {
      const signed = signFast(secretFor(path), body, {
        token: tokenFor(path),
      });
      return {
        kind: "signed malformed body",
        request: {
          method: "POST",
          path,
          headers: { ...signed.headers, "content-type": type },
          body,
        },
        expected: [400, 403],
      };
    });

  const now = () => Math.floor(Date.now() / 1000);
  type Headers = Record<string, string>;
  type Breaker = (headers: Headers, body: Buffer, secret: string) => Headers;
  /** Ways to break the signature, each refused whatever the token. */
  const brokenSignature = fc.oneof(
    fc.constantFrom<Breaker>(
      ({ "webhook-signature": _, ...rest }) => rest,
      ({ "webhook-id": _, ...rest }) => rest,
      ({ "webhook-timestamp": _, ...rest }) => rest,
      (headers) => ({ ...headers, "webhook-signature": "" }),
      (headers) => ({ ...headers, "webhook-signature": "v1," }),
      (headers) => ({
        ...headers,
        "webhook-signature": headers["webhook-signature"]?.replace(
          "v1,",
          "v2,",
        ) as string,
      }),
      (headers) => ({ ...headers, "webhook-id": "msg_another_id" }),
      (headers) => ({
        ...headers,
        "webhook-signature": Array(800).fill("v1,AAAA").join(" "),
      }),
      (headers) => ({
        ...headers,
        "webhook-signature": hmacSignature(
          "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
          headers["webhook-id"] as string,
          headers["webhook-timestamp"] as string,
          Buffer.alloc(0),
        ),
      }),
    ),
    headerText(300).map(
      (garbage) => (headers: Headers) =>
        ({ ...headers, "webhook-signature": garbage }) as Headers,
    ),
    fc.uint8Array({ minLength: 32, maxLength: 32 }).map(
      (bytes) => (headers: Headers) =>
        ({
          ...headers,
          "webhook-signature": `v1,${Buffer.from(bytes).toString("base64")}`,
        }) as Headers,
    ),
    // Right secret and signature, but a timestamp out of tolerance or
    // not a timestamp at all.
    fc
      .oneof(
        fc
          .integer({ min: 5 * MINUTE_S + 10, max: 2_000_000_000 })
          .map((skew) => String(now() - skew)),
        fc
          .integer({ min: 5 * MINUTE_S + 10, max: 1_000_000_000 })
          .map((skew) => String(now() + skew)),
        fc.constantFrom(
          "",
          "abc",
          "-1",
          "1e9",
          "0x10",
          " 1700000000",
          "1700000000.5",
          "99999999999999999999",
          "0000000000001",
        ),
        headerText(20),
      )
      .map(
        (timestamp): Breaker =>
          (headers, body, secret) =>
            ({
              ...headers,
              "webhook-timestamp": timestamp,
              "webhook-signature": hmacSignature(
                secret,
                headers["webhook-id"] as string,
                timestamp,
                body,
              ),
            }) as Headers,
      ),
  );

  const brokenAuth = fc.oneof(
    // A valid token, a broken signature, at any URL.
    fc
      .tuple(realUrl, anyBody, brokenSignature)
      .map(([path, body, breakIt]): FuzzCase => {
        const signed = signFast(secretFor(path), body, {
          token: tokenFor(path),
        });
        return {
          kind: "broken signature",
          request: {
            method: "POST",
            path,
            headers: breakIt(signed.headers, body, secretFor(path)),
            body,
          },
          expected: [401],
        };
      }),
    // A valid signature with a missing or wrong token, where the token
    // is what names or admits the trigger.
    fc
      .tuple(
        fc.constantFrom(generic, perTrigger(tokenAndSignature)),
        anyBody,
        fc.option(
          fc.oneof(
            headerText(80),
            fc.constant(`${tokenAndSignature.token}x`),
            fc.constant(tokenAndSignature.token.slice(0, -1)),
          ),
        ),
        fc.boolean(),
      )
      .map(([path, body, token, asBearer]): FuzzCase => {
        const signed = signFast(secretFor(path), body);
        const headers: Headers = { ...signed.headers };
        if (token !== null) {
          if (asBearer) headers.authorization = `Bearer ${token}`;
          else headers["x-gitlab-token"] = token;
        }
        return {
          kind: "wrong token",
          request: { method: "POST", path, headers, body },
          expected: [401],
        };
      }),
  );

  const wrongContentType = fc
    .tuple(
      realUrl,
      malformedBody,
      fc.option(fc.constantFrom(...NOT_JSON_TYPES, ""), { nil: undefined }),
    )
    .map(([path, body, type]): FuzzCase => {
      const signed = signFast(secretFor(path), body, {
        token: tokenFor(path),
      });
      const { "content-type": _, ...headers } = signed.headers;
      return {
        kind: "wrong content type",
        request: {
          method: "POST",
          path,
          headers:
            type === undefined ? headers : { ...headers, "content-type": type },
          body,
        },
        // Without a body there is nothing to type; it is then not JSON.
        expected: body.length > 0 ? [415] : [400, 415],
      };
    });

  const oddSegment = fc.oneof(
    fc.constantFrom(
      "acme%2Fnowhere",
      "acme%252Ffuzz",
      "acme%2F..%2Ffuzz",
      "..",
      "%2e%2e",
      ".",
      "0",
      "-1",
      "1.0",
      "1e3",
      "%00",
      "%ff",
      "%c0%af",
      "%",
      "%zz",
      "acme/fuzz",
      encodeURIComponent(target.projectPath.toUpperCase()),
    ),
    fc.integer({ min: 13, max: 99 }).map((n) => "9".repeat(n)),
    fc.integer({ min: 100, max: 3_000 }).map((n) => "9".repeat(n)),
    fc.string({ maxLength: 30 }).map(encodeURIComponent),
  );
  const oddPath = fc.oneof(
    oddSegment.map((id) => `/api/v4/projects/${id}/workflows/trigger`),
    oddSegment.map(
      (id) => `/api/v4/projects/${projectId}/workflows/triggers/${id}/webhook`,
    ),
    fc.constantFrom(
      `/api/v4/projects/${projectId}/workflows/../workflows/trigger`,
      `/api/v4/projects/${projectId}/./workflows/trigger`,
      `//api/v4/projects/${projectId}/workflows/trigger`,
      `/api/v4/projects/${projectId}/workflows/trigger/extra`,
      `/api/v4/projects/${projectId}/workflows%2Ftrigger`,
      `/API/v4/projects/${projectId}/workflows/trigger`,
      `/api/v4/projects/${projectId}/workflows/triggers//webhook`,
      `/api/v4/projects/${projectId}/workflows/triggers/${signature.id}/webhook/..`,
      `/api/v4/projects/${projectId}/workflows/trigger;x=1`,
      "/api/v4/projects//workflows/trigger",
      "*",
    ),
    fc
      .tuple(realUrl, headerText(40))
      .map(([path, query]) => `${path}?${encodeURIComponent(query)}`),
  );
  const oddPathCase = fc
    .tuple(oddPath, malformedBody)
    .map(([path, body]): FuzzCase => {
      const signed = signFast(signature.signing_secret, body, {
        token: signature.token,
      });
      return {
        kind: "odd path",
        request: { method: "POST", path, headers: signed.headers, body },
      };
    });

  const oddMethod = fc
    .tuple(
      fc.constantFrom(
        "GET",
        "PUT",
        "PATCH",
        "DELETE",
        "HEAD",
        "OPTIONS",
        "TRACE",
        "PROPFIND",
        "SEARCH",
        "MKCOL",
        "FOO",
      ),
      fc.oneof(realUrl, oddPath),
      anyBody,
    )
    .map(([method, path, body]): FuzzCase => {
      const signed = signFast(signature.signing_secret, body, {
        token: signature.token,
      });
      return {
        kind: "odd method",
        request: { method, path, headers: signed.headers, body },
        ...(["GET", "PUT", "PATCH", "DELETE"].includes(method) &&
        realUrls.includes(path)
          ? { expected: [405] }
          : {}),
      };
    });

  return fc
    .oneof(
      { arbitrary: signedMalformed, weight: 4 },
      { arbitrary: brokenAuth, weight: 3 },
      { arbitrary: wrongContentType, weight: 1 },
      { arbitrary: oddPathCase, weight: 2 },
      { arbitrary: oddMethod, weight: 1 },
    )
    .map((fuzzCase) =>
      // Reports name the request, not its (possibly huge) body.
      Object.assign(fuzzCase, {
        [fc.toStringMethod]: () =>
          `${fuzzCase.kind}: ${fuzzCase.request.method} ${fuzzCase.request.path.slice(0, 120)}`,
      }),
    );
}

// --- the test ---------------------------------------------------------

describe("malformed requests against a real server", () => {
  let server: TestServer;
  let target: Target;
  // Keep-alive for ordinary POSTs; odd methods get their own connection,
  // so a request the parser rejects cannot confuse the next one.
  const agent = new http.Agent({ keepAlive: true, maxSockets: BATCH_SIZE });

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        FLOWGATE_AUTH_FAILURES_PER_MINUTE: "100000000",
        FLOWGATE_LOG_LEVEL: "warn",
      },
    });
    const project = await server.createProject("acme/fuzz");
    const noLimit = { rate_limit: { limit: 0, window_s: 60 } };
    target = {
      projectId: project.id,
      projectPath: "acme/fuzz",
      signature: await server.createTrigger(project.id, noLimit),
      tokenAndSignature: await server.createTrigger(project.id, {
        ...noLimit,
        auth: "token+signature",
      }),
    };
  });
  afterAll(async () => {
    agent.destroy();
    await server.close();
  });

  it(
    "answers 10,000 malformed requests without a 5xx, starts no run and stays healthy",
    async () => {
      let sent = 0;
      const kinds = new Map<string, number>();
      const send = async (fuzzCase: FuzzCase) => {
        sent += 1;
        kinds.set(fuzzCase.kind, (kinds.get(fuzzCase.kind) ?? 0) + 1);
        const { request } = fuzzCase;
        const ownConnection = request.method !== "POST";
        try {
          const answer = await sendRaw(
            server,
            ownConnection
              ? {
                  ...request,
                  headers: { ...request.headers, connection: "close" },
                }
              : request,
            ownConnection ? false : agent,
          );
          return { status: answer.status, detail: answer.body.slice(0, 200) };
        } catch (error) {
          return { status: 0, detail: String(error) };
        }
      };
      const problemOf = (
        fuzzCase: FuzzCase,
        status: number,
        detail: string,
      ) => {
        const allowed = fuzzCase.expected;
        const fine = allowed
          ? allowed.includes(status)
          : status >= 400 && status < 500;
        if (fine) return undefined;
        const { method, path } = fuzzCase.request;
        return `${fuzzCase.kind}: ${method} ${path.slice(0, 120)} → ${status} ${detail}`;
      };

      await fc.assert(
        fc.asyncProperty(
          fc.array(requestCases(target), {
            minLength: BATCH_SIZE,
            maxLength: BATCH_SIZE,
          }),
          async (batch) => {
            const answers = await Promise.all(batch.map(send));
            const problems = batch
              .map((fuzzCase, index) => {
                const answer = answers[index] ?? { status: 0, detail: "" };
                return problemOf(fuzzCase, answer.status, answer.detail);
              })
              .filter((problem) => problem !== undefined);
            if (problems.length > 0) throw new Error(problems.join("\n"));
          },
        ),
        // A failing batch is reported as it is: shrinking would resend
        // thousands of requests and blur what the server saw.
        { numRuns: BATCHES, endOnFailure: true },
      );

      expect(sent).toBeGreaterThanOrEqual(BATCHES * BATCH_SIZE);
      for (const kind of [
        "signed malformed body",
        "broken signature",
        "wrong token",
        "wrong content type",
        "odd path",
        "odd method",
      ]) {
        expect(kinds.get(kind) ?? 0, kind).toBeGreaterThan(100);
      }

      expect(await countRows(server, "runs")).toBe(0);
      expect(await countRows(server, "jobs")).toBe(0);
      const runs = await server.admin(
        "GET",
        `/api/v4/projects/${target.projectId}/workflows/runs`,
      );
      expect(runs.body).toEqual([]);

      const readiness = await fetch(`${server.url}/-/readiness`);
      expect(readiness.status).toBe(200);
      const valid = await deliver(
        server,
        target.projectId,
        signGeneric(
          target.signature.signing_secret,
          { title: "Still working", external_reference: "FUZZ-1" },
          { token: target.signature.token },
        ),
      );
      expect(valid.status).toBe(202);
    },
    FUZZ_TIMEOUT_MS,
  );
});
