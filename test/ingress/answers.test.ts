import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CreatedTrigger,
  deliver,
  type JsonResponse,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";
import {
  countRows,
  exchangeBytes,
  genericUrl,
  post,
  signBytes,
  statusLines,
  triggerUrl,
} from "./raw-requests.ts";

const MINUTE_MS = 60_000;

let tickets = 0;
/** A valid generic body for a ticket no other test uses. */
function ticket(extra: Record<string, unknown> = {}) {
  tickets += 1;
  return {
    title: `Ticket number ${tickets}`,
    external_reference: `ANS-${tickets}`,
    ...extra,
  };
}

async function runsOf(server: TestServer, projectId: number) {
  const runs = await server.admin(
    "GET",
    `/api/v4/projects/${projectId}/workflows/runs`,
  );
  expect(runs.status).toBe(200);
  return runs.body as Array<Record<string, unknown>>;
}

describe("the trigger endpoints' answers", () => {
  let server: TestServer;
  let project: { id: number; path: string };
  let trigger: CreatedTrigger;

  beforeAll(async () => {
    // Many tests here fail authentication on purpose; the per-address
    // limit has its own server below.
    server = await startTestServer({
      env: { FLOWGATE_AUTH_FAILURES_PER_MINUTE: "10000" },
    });
    project = await server.createProject("acme/answers");
    trigger = await server.createTrigger(project.id);
  });
  afterAll(async () => server.close());

  const signed = (payload: unknown, options = {}) =>
    signGeneric(trigger.signing_secret, payload, {
      token: trigger.token,
      ...options,
    });

  describe("202", () => {
    it("accepts a signed delivery and answers the queued run with its links", async () => {
      const payload = ticket({ workflow_type: "developer" });
      const answer = await deliver(server, project.id, signed(payload));

      expect(answer.status).toBe(202);
      const statusUrl = `${server.url}/api/v4/projects/${project.id}/workflows/runs/${answer.body.id}`;
      expect(answer.body).toEqual({
        id: expect.any(Number),
        status: "queued",
        workflow_type: "developer",
        external_reference: payload.external_reference,
        status_url: statusUrl,
        web_url: expect.stringMatching(/^http:\/\//),
      });
      const run = await server.admin(
        "GET",
        new URL(answer.body.status_url).pathname,
      );
      expect(run.status).toBe(200);
      expect(run.body.external_reference).toBe(payload.external_reference);
    });

    it("fills in the trigger's default workflow type when the body names none", async () => {
      const answer = await deliver(server, project.id, signed(ticket()));
      expect(answer.status).toBe(202);
      expect(answer.body.workflow_type).toBe("developer");
    });

    it("accepts the project's URL-encoded path in place of its id", async () => {
      const answer = await deliver(
        server,
        encodeURIComponent("acme/answers"),
        signed(ticket()),
      );
      expect(answer.status).toBe(202);
    });
  });

  describe("200 duplicate", () => {
    it("answers the same webhook-id again with the existing run, also after it finished", async () => {
      const request = signed(ticket(), { id: "msg_same_delivery" });
      const first = await deliver(server, project.id, request);
      expect(first.status).toBe(202);
      await server.waitForRun(project.id, first.body.id);

      // A sender's retry keeps the id but signs with a fresh timestamp.
      const retry = signGeneric(trigger.signing_secret, request.body, {
        id: "msg_same_delivery",
        token: trigger.token,
      });
      const again = await deliver(server, project.id, retry);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({
        id: first.body.id,
        duplicate: true,
        status: "succeeded",
      });
    });

    it("deduplicates a token-only delivery without webhook-id by its body's hash", async () => {
      const tokenOnly = await server.createTrigger(project.id, {
        auth: "token",
      });
      const body = JSON.stringify(ticket());
      const headers = {
        "content-type": "application/json",
        "x-gitlab-token": tokenOnly.token,
      };
      const first = await post(server, genericUrl(project.id), headers, body);
      expect(first.status).toBe(202);
      await server.waitForRun(project.id, first.body.id);

      const again = await post(server, genericUrl(project.id), headers, body);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: first.body.id, duplicate: true });

      const edited = await post(
        server,
        genericUrl(project.id),
        headers,
        body.replace("Ticket number", "Ticket Number"),
      );
      expect(edited.status).toBe(202);
      expect(edited.body.id).not.toBe(first.body.id);
    });
  });

  describe("200 ignored", () => {
    it("ignores an authentic delivery whose labels lack the trigger's label", async () => {
      const labelled = await server.createTrigger(project.id, {
        label: "flowgate",
      });
      const payload = ticket({ context: { labels: ["backend", "urgent"] } });
      const answer = await deliver(
        server,
        project.id,
        signGeneric(labelled.signing_secret, payload, {
          token: labelled.token,
        }),
      );

      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        status: "ignored",
        reason: expect.stringContaining("flowgate"),
      });
      const runs = await runsOf(server, project.id);
      expect(runs.map((run) => run.external_reference)).not.toContain(
        payload.external_reference,
      );
    });

    it("starts a run when the labels include the trigger's label", async () => {
      const labelled = await server.createTrigger(project.id, {
        label: "flowgate",
      });
      const answer = await deliver(
        server,
        project.id,
        signGeneric(
          labelled.signing_secret,
          ticket({ context: { labels: ["flowgate"] } }),
          { token: labelled.token },
        ),
      );
      expect(answer.status).toBe(202);
    });
  });

  describe("400", () => {
    it("refuses a body that is not JSON", async () => {
      const answer = await deliver(server, project.id, signed("{title: oops"));
      expect(answer.status).toBe(400);
      expect(answer.body.message).toMatch(/not valid JSON/);
      expect(answer.body.errors).toEqual({ base: [expect.any(String)] });
    });

    it("refuses a signed body that is not valid UTF-8", async () => {
      const bytes = Buffer.concat([
        Buffer.from('{"title":"caf'),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from('","external_reference":"ANS-UTF8"}'),
      ]);
      const request = signBytes(trigger.signing_secret, bytes, {
        token: trigger.token,
      });
      const answer = await post(
        server,
        genericUrl(project.id),
        request.headers,
        request.body,
      );

      expect(answer.status).toBe(400);
      expect(answer.body.message).toMatch(/UTF-8/);
      expect(answer.body.errors).toEqual({ base: [expect.any(String)] });
    });

    it("names each bad field in errors", async () => {
      const answer = await deliver(
        server,
        project.id,
        signed({
          external_reference: "PROJ 123",
          external_url: "ftp://tracker.example.com/PROJ-123",
          context: { acceptance_criteria: 42 },
        }),
      );

      expect(answer.status).toBe(400);
      expect(Object.keys(answer.body.errors).sort()).toEqual([
        "context.acceptance_criteria",
        "external_reference",
        "external_url",
        "title",
      ]);
      for (const messages of Object.values(answer.body.errors)) {
        expect(messages).toEqual([expect.any(String)]);
      }
      for (const field of ["title", "external_reference", "external_url"]) {
        expect(answer.body.message).toContain(field);
      }
    });

    it("refuses an empty body", async () => {
      const answer = await deliver(server, project.id, signed(""));
      expect(answer.status).toBe(400);
    });
  });

  describe("401", () => {
    it("gives one message whichever secret is missing or wrong", async () => {
      const body = ticket();
      const good = signed(body);
      const otherSecret = await server.createTrigger(project.id);
      const emptyProject = await server.createProject();

      const cases: Record<string, Promise<JsonResponse>> = {
        "missing token": deliver(
          server,
          project.id,
          signGeneric(trigger.signing_secret, body),
        ),
        "wrong token": deliver(
          server,
          project.id,
          signed(body, { token: "fgt_not-a-token-of-this-project" }),
        ),
        "token of a project with no triggers": deliver(
          server,
          emptyProject.id,
          signed(body),
        ),
        "missing signature": post(
          server,
          genericUrl(project.id),
          {
            "content-type": "application/json",
            "x-gitlab-token": trigger.token,
          },
          good.body,
        ),
        "wrong signature": deliver(
          server,
          project.id,
          signGeneric(otherSecret.signing_secret, body, {
            token: trigger.token,
          }),
        ),
        "signature over another body": deliver(server, project.id, {
          headers: good.headers,
          body: good.body.replace("Ticket", "Tick3t"),
        }),
        "bearer token, wrong signature": post(
          server,
          genericUrl(project.id),
          {
            ...good.headers,
            "x-gitlab-token": "",
            authorization: `Bearer ${trigger.token}`,
            "webhook-signature": "v1,AAAA",
          },
          good.body,
        ),
        "per-trigger URL, wrong signature": deliver(
          server,
          project.id,
          signGeneric(otherSecret.signing_secret, body),
          triggerUrl(project.id, trigger.id),
        ),
      };

      const answers = await Promise.all(Object.values(cases));
      for (const [index, answer] of answers.entries()) {
        const name = Object.keys(cases)[index];
        expect(answer.status, name).toBe(401);
        expect(answer.body, name).toEqual({ message: "401 Unauthorized" });
      }
    });

    it("refuses a timestamp older than 5 minutes, saying so and nothing more", async () => {
      const stale = await deliver(
        server,
        project.id,
        signed(ticket(), { timestamp: new Date(Date.now() - 6 * MINUTE_MS) }),
      );
      const future = await deliver(
        server,
        project.id,
        signed(ticket(), { timestamp: new Date(Date.now() + 6 * MINUTE_MS) }),
      );

      for (const answer of [stale, future]) {
        expect(answer.status).toBe(401);
        expect(Object.keys(answer.body)).toEqual(["message"]);
        expect(answer.body.message).toMatch(/^401 Unauthorized - .*timestamp/);
        expect(answer.body.message).not.toMatch(/token|secret|trigger/i);
      }
    });

    it("accepts a timestamp within the tolerance", async () => {
      const answer = await deliver(
        server,
        project.id,
        signed(ticket(), { timestamp: new Date(Date.now() - 4 * MINUTE_MS) }),
      );
      expect(answer.status).toBe(202);
    });
  });

  describe("403", () => {
    it("refuses a valid delivery for a disabled trigger", async () => {
      const disabled = await server.createTrigger(project.id);
      const patched = await server.admin(
        "PATCH",
        `/api/v4/projects/${project.id}/workflows/triggers/${disabled.id}`,
        { enabled: false },
      );
      expect(patched.status).toBe(200);

      const answer = await deliver(
        server,
        project.id,
        signGeneric(disabled.signing_secret, ticket(), {
          token: disabled.token,
        }),
      );
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({
        message: expect.stringMatching(/^403 Forbidden - .*disabled/),
      });
    });

    it("refuses a workflow type the trigger does not allow", async () => {
      const answer = await deliver(
        server,
        project.id,
        signed(ticket({ workflow_type: "security_review" })),
      );
      expect(answer.status).toBe(403);
      expect(answer.body.message).toMatch(/^403 Forbidden - .*security_review/);
    });
  });

  describe("404", () => {
    it("answers an unknown project by id or path with 404 Not Found", async () => {
      for (const id of ["999999", encodeURIComponent("acme/nowhere")]) {
        const answer = await deliver(server, id, signed(ticket()));
        expect(answer.status, id).toBe(404);
        expect(answer.body, id).toEqual({ message: "404 Not Found" });
      }
    });

    it("answers an unknown trigger id at the per-trigger URL with 404 Not Found", async () => {
      const otherProject = await server.createProject();
      const foreign = await server.createTrigger(otherProject.id);
      for (const id of ["999999", String(foreign.id), "abc", "1e3"]) {
        const answer = await deliver(
          server,
          project.id,
          signed(ticket()),
          triggerUrl(project.id, id),
        );
        expect(answer.status, id).toBe(404);
        expect(answer.body, id).toEqual({ message: "404 Not Found" });
      }
    });
  });

  describe("405", () => {
    it("refuses GET and the other methods on both trigger URLs, allowing POST", async () => {
      for (const url of [
        genericUrl(project.id),
        triggerUrl(project.id, trigger.id),
      ]) {
        for (const method of ["GET", "PUT", "PATCH", "DELETE"]) {
          const response = await fetch(`${server.url}${url}`, { method });
          expect(response.status, `${method} ${url}`).toBe(405);
          expect(response.headers.get("allow")).toBe("POST");
          expect(await response.json()).toEqual({
            message: "405 Method Not Allowed",
          });
        }
      }
    });
  });

  describe("415", () => {
    it("refuses text and form bodies with 415, signed or not", async () => {
      const request = signed(ticket());
      for (const type of [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
      ]) {
        const answer = await post(
          server,
          genericUrl(project.id),
          { ...request.headers, "content-type": type },
          request.body,
        );
        expect(answer.status, type).toBe(415);
        expect(answer.body.message, type).toMatch(/^415 /);
      }

      // The content type is checked before the credentials.
      const unsigned = await post(
        server,
        genericUrl(project.id),
        { "content-type": "text/plain" },
        request.body,
      );
      expect(unsigned.status).toBe(415);
    });

    it("accepts application/json with a charset parameter", async () => {
      const request = signed(ticket());
      const answer = await post(
        server,
        genericUrl(project.id),
        {
          ...request.headers,
          "content-type": "application/json; charset=utf-8",
        },
        request.body,
      );
      expect(answer.status).toBe(202);
    });
  });

  describe("429 for a trigger's rate limit", () => {
    it("refuses the fourth delivery of a 3-per-minute trigger with the rate headers", async () => {
      const limited = await server.createTrigger(project.id, {
        rate_limit: { limit: 3, window_s: 60 },
      });
      const send = () =>
        deliver(
          server,
          project.id,
          signGeneric(limited.signing_secret, ticket(), {
            token: limited.token,
          }),
        );

      for (const remaining of [2, 1, 0]) {
        const answer = await send();
        expect(answer.status).toBe(202);
        expect(answer.headers.get("ratelimit-limit")).toBe("3");
        expect(answer.headers.get("ratelimit-remaining")).toBe(
          String(remaining),
        );
      }
      const refused = await send();
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual({ message: expect.stringMatching(/^429 /) });
      expect(refused.headers.get("ratelimit-limit")).toBe("3");
      expect(refused.headers.get("ratelimit-remaining")).toBe("0");
      const reset = Number(refused.headers.get("ratelimit-reset"));
      const retryAfter = Number(refused.headers.get("retry-after"));
      expect(reset).toBeGreaterThanOrEqual(1);
      expect(reset).toBeLessThanOrEqual(60);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);

      // Another trigger of the same project keeps its own budget.
      const other = await deliver(server, project.id, signed(ticket()));
      expect(other.status).toBe(202);
    });
  });
});

describe("a ticket with a run still queued (api role, no worker)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { FLOWGATE_ROLE: "api" } });
  });
  afterAll(async () => server.close());

  it("joins a second delivery to the active run and answers it as a duplicate", async () => {
    const project = await server.createProject();
    const trigger = await server.createTrigger(project.id);
    const payload = ticket();
    const first = await deliver(
      server,
      project.id,
      signGeneric(trigger.signing_secret, payload, { token: trigger.token }),
    );
    expect(first.status).toBe(202);

    const second = await deliver(
      server,
      project.id,
      signGeneric(
        trigger.signing_secret,
        { ...payload, title: "The same ticket, edited" },
        { token: trigger.token },
      ),
    );
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({
      id: first.body.id,
      status: "queued",
      external_reference: payload.external_reference,
      duplicate: true,
    });
    expect(await runsOf(server, project.id)).toHaveLength(1);
    const run = await server.admin(
      "GET",
      `/api/v4/projects/${project.id}/workflows/runs/${first.body.id}`,
    );
    expect(run.body.events.map((event: any) => event.name)).toContain(
      "follow_up",
    );
  });
});

describe("the body limit (FLOWGATE_BODY_LIMIT_BYTES=2048)", () => {
  const LIMIT = 2048;
  let server: TestServer;
  let project: { id: number; path: string };
  let trigger: CreatedTrigger;

  beforeAll(async () => {
    server = await startTestServer({
      env: { FLOWGATE_BODY_LIMIT_BYTES: String(LIMIT), FLOWGATE_ROLE: "api" },
    });
    project = await server.createProject();
    trigger = await server.createTrigger(project.id);
  });
  afterAll(async () => server.close());

  /** A valid, signed delivery of about `size` bytes. */
  const bigDelivery = (size: number) =>
    signGeneric(
      trigger.signing_secret,
      ticket({ description: "x".repeat(size) }),
      { token: trigger.token },
    );

  /** The request head as bytes, for writing on a raw socket. */
  const head = (headers: Record<string, string>) =>
    Buffer.from(
      [
        `POST ${genericUrl(project.id)} HTTP/1.1`,
        "host: 127.0.0.1",
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
        "",
        "",
      ].join("\r\n"),
    );

  it("accepts a body just under the limit", async () => {
    const answer = await deliver(server, project.id, bigDelivery(LIMIT - 200));
    expect(answer.status).toBe(202);
  });

  it("refuses a body over the limit with 413", async () => {
    const answer = await deliver(server, project.id, bigDelivery(LIMIT + 1));
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({ message: expect.stringMatching(/^413 /) });
  });

  it("refuses an oversize chunked body while reading it", async () => {
    const request = bigDelivery(8 * LIMIT);
    const body = Buffer.from(request.body);
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < body.length; offset += 512) {
      const chunk = body.subarray(offset, offset + 512);
      chunks.push(
        Buffer.from(`${chunk.length.toString(16)}\r\n`),
        chunk,
        Buffer.from("\r\n"),
      );
    }
    const raw = await exchangeBytes(server, [
      head({ ...request.headers, "transfer-encoding": "chunked" }),
      ...chunks,
      Buffer.from("0\r\n\r\n"),
    ]);

    expect(statusLines(raw)[0]).toBe(413);
    expect(await countRows(server, "runs")).toBe(1);
  });

  it("reads no more than a lying small Content-Length and accepts nothing", async () => {
    const request = bigDelivery(8 * LIMIT);
    const raw = await exchangeBytes(server, [
      head({ ...request.headers, "content-length": "100" }),
      Buffer.from(request.body),
    ]);

    const statuses = statusLines(raw);
    expect(statuses.length).toBeGreaterThan(0);
    for (const status of statuses) expect(status).toBeGreaterThanOrEqual(400);
    expect(await countRows(server, "runs")).toBe(1);
  });

  it("refuses a declared Content-Length over the limit without waiting for the body", async () => {
    const request = bigDelivery(10);
    const raw = await exchangeBytes(
      server,
      [head({ ...request.headers, "content-length": String(LIMIT * 100) })],
      1_000,
    );
    expect(statusLines(raw)[0]).toBe(413);
  });
});

describe("failed authentication from one address (FLOWGATE_AUTH_FAILURES_PER_MINUTE=3)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { FLOWGATE_AUTH_FAILURES_PER_MINUTE: "3", FLOWGATE_ROLE: "api" },
    });
  });
  afterAll(async () => server.close());

  it("answers 429 with Retry-After once the address used up its failures", async () => {
    const project = await server.createProject();
    const trigger = await server.createTrigger(project.id);
    const guess = (token: string) =>
      deliver(
        server,
        project.id,
        signGeneric(trigger.signing_secret, ticket(), { token }),
      );

    for (let attempt = 1; attempt <= 3; attempt += 1) {
      expect((await guess(`fgt_guess_${attempt}`)).status).toBe(401);
    }
    const refused = await guess("fgt_guess_4");
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ message: expect.stringMatching(/^429 /) });
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    // While locked out, even the right token learns nothing.
    const right = await guess(trigger.token);
    expect(right.status).toBe(429);
    expect(await countRows(server, "runs")).toBe(0);
  });
});

describe("storage unavailable", () => {
  let server: TestServer;
  let project: { id: number; path: string };
  let trigger: CreatedTrigger;

  beforeAll(async () => {
    server = await startTestServer({ env: { FLOWGATE_ROLE: "api" } });
    project = await server.createProject();
    trigger = await server.createTrigger(project.id);
  });
  afterAll(async () => server.close());

  const send = () =>
    deliver(
      server,
      project.id,
      signGeneric(trigger.signing_secret, ticket(), { token: trigger.token }),
    );

  it("answers 503 and accepts nothing when the commit fails", {
    timeout: 60_000,
  }, async () => {
    // Another process holds the database's write lock for longer than
    // the commit waits for it (busy_timeout): every write fails.
    const holder = new Database(path.join(server.dataDir, "flowgate.sqlite"));
    holder.exec("begin immediate");
    try {
      const answer = await send();
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual({
        message: expect.stringMatching(/^503 /),
      });
      expect(answer.headers.get("retry-after")).toBe("5");
    } finally {
      holder.exec("rollback");
      holder.close();
    }

    expect(await countRows(server, "runs")).toBe(0);
    expect(await countRows(server, "jobs")).toBe(0);
    expect(await countRows(server, "deliveries")).toBe(0);
    expect((await send()).status).toBe(202);
  });

  it("answers 503 when the database is gone altogether", async () => {
    await server.app.store.db.destroy();
    // Forget the remembered project and trigger, so the next delivery
    // needs the database again.
    server.app.ingress.lookups.clear();
    const answer = await send();
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ message: expect.stringMatching(/^503 /) });

    const file = new Database(path.join(server.dataDir, "flowgate.sqlite"), {
      readonly: true,
    });
    try {
      const runs = file.prepare("select count(*) as count from runs").get();
      expect(runs).toEqual({ count: 1 });
    } finally {
      file.close();
    }
    expect(fs.existsSync(server.dataDir)).toBe(true);
  });
});
