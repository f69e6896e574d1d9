import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestDatabase,
  DATABASES,
  type TestDatabase,
  unavailable,
} from "../helpers/postgres.ts";
import { startTestServer, type TestServer } from "../helpers/test-server.ts";
import { DashboardClient } from "./dashboard-client.ts";

// The dashboard's cookie sessions (docs/api.md), on each database: the
// admin signs in, the cookie stands for the token on the admin API, a
// change needs the CSRF token, and signing out ends the session on the
// server, not only in the browser.

const HOUR_MS = 60 * 60 * 1000;

describe.each(DATABASES)("dashboard sessions on %s", (kind) => {
  let database: TestDatabase | undefined;
  let server: TestServer;
  let projectId: number;
  let clock = Date.now();

  beforeAll(async () => {
    if (unavailable(kind)) return;
    database = kind === "postgres" ? await createTestDatabase() : undefined;
    server = await startTestServer({
      now: () => new Date(clock),
      ...(database ? { env: { FLOWGATE_DATABASE_URL: database.url } } : {}),
    });
    projectId = (await server.createProject("acme/dashboard")).id;
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  const triggersPath = () => `/api/v4/projects/${projectId}/workflows/triggers`;
  const signedIn = async () => {
    const client = new DashboardClient(server.url);
    expect((await client.signIn(server.adminToken)).status).toBe(201);
    return client;
  };

  it.skipIf(unavailable(kind))(
    "signs the admin in with a session cookie only scripts cannot read",
    async () => {
      const response = await fetch(`${server.url}/-/dashboard/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: server.adminToken }),
      });

      expect(response.status).toBe(201);
      const body = (await response.json()) as Record<string, any>;
      expect(body.user).toEqual({ kind: "admin", name: "Administrator" });
      expect(body.csrf_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Date.parse(body.expires_at) - clock).toBe(12 * HOUR_MS);
      const cookie = response.headers.get("set-cookie") ?? "";
      expect(cookie).toMatch(/^flowgate_session=[A-Za-z0-9_-]{43};/);
      expect(cookie).toContain("HttpOnly");
      expect(cookie).toContain("SameSite=Strict");
      expect(cookie).toContain("Path=/");
      expect(cookie).toContain("Max-Age=43200");
      expect(cookie).not.toContain("Secure");
      expect(JSON.stringify(body)).not.toContain(server.adminToken);
    },
  );

  it.skipIf(unavailable(kind))(
    "refuses a wrong token without setting a cookie",
    async () => {
      const client = new DashboardClient(server.url);
      const answer = await client.signIn("not-the-admin-token");

      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ message: "401 Unauthorized" });
      expect(answer.headers.get("set-cookie")).toBeNull();
    },
  );

  it.skipIf(unavailable(kind))(
    "answers who is signed in, with the same CSRF token",
    async () => {
      const client = await signedIn();
      const answer = await client.request("GET", "/-/dashboard/session");

      expect(answer.status).toBe(200);
      expect(answer.body.user).toEqual({
        kind: "admin",
        name: "Administrator",
      });
      expect(answer.body.csrf_token).toBe(client.csrfToken);
      expect(answer.headers.get("set-cookie")).toBeNull();
      const anonymous = new DashboardClient(server.url);
      expect(
        (await anonymous.request("GET", "/-/dashboard/session")).status,
      ).toBe(401);
    },
  );

  it.skipIf(unavailable(kind))(
    "lets the session cookie read the admin API",
    async () => {
      const client = await signedIn();
      const answer = await client.request("GET", triggersPath());

      expect(answer.status).toBe(200);
      expect(Array.isArray(answer.body)).toBe(true);
    },
  );

  it.skipIf(unavailable(kind))(
    "refuses a change by cookie without the CSRF token, and makes none",
    async () => {
      const client = await signedIn();
      const before = (await server.admin("GET", triggersPath())).body.length;

      const missing = await client.request("POST", triggersPath(), {
        body: { source: "generic", name: "no csrf" },
      });
      const wrong = await client.request("POST", triggersPath(), {
        body: { source: "generic", name: "wrong csrf" },
        csrf: "A".repeat(43),
      });

      for (const answer of [missing, wrong]) {
        expect(answer.status).toBe(403);
        expect(answer.body).toEqual({
          message:
            "403 Forbidden - missing or invalid CSRF token; reload the dashboard",
        });
      }
      const after = (await server.admin("GET", triggersPath())).body.length;
      expect(after).toBe(before);
    },
  );

  it.skipIf(unavailable(kind))(
    "makes a change by cookie that carries the CSRF token",
    async () => {
      const client = await signedIn();
      const answer = await client.request("POST", triggersPath(), {
        body: { source: "generic", name: "with csrf" },
        csrf: "session",
      });

      expect(answer.status).toBe(201);
      expect(answer.body.name).toBe("with csrf");
    },
  );

  it.skipIf(unavailable(kind))(
    "does not take one session's CSRF token for another's",
    async () => {
      const first = await signedIn();
      const second = await signedIn();

      const answer = await second.request("POST", triggersPath(), {
        body: { source: "generic", name: "crossed" },
        csrf: first.csrfToken,
      });

      expect(answer.status).toBe(403);
    },
  );

  it.skipIf(unavailable(kind))(
    "ends the session on the server when signing out",
    async () => {
      const client = await signedIn();
      const kept = client.cookie;

      const withoutCsrf = await client.request(
        "DELETE",
        "/-/dashboard/session",
      );
      expect(withoutCsrf.status).toBe(403);
      const signOut = await client.request("DELETE", "/-/dashboard/session", {
        csrf: "session",
      });

      expect(signOut.status).toBe(204);
      expect(signOut.headers.get("set-cookie")).toMatch(
        /^flowgate_session=;.*Expires=Thu, 01 Jan 1970/,
      );
      // A copy of the cookie kept from before lets nobody in any more.
      client.cookie = kept;
      expect((await client.request("GET", triggersPath())).status).toBe(401);
      expect((await client.request("GET", "/-/dashboard/session")).status).toBe(
        401,
      );
    },
  );

  it.skipIf(unavailable(kind))(
    "refuses a session 12 hours after sign-in",
    async () => {
      const client = await signedIn();
      expect((await client.request("GET", triggersPath())).status).toBe(200);

      clock += 12 * HOUR_MS;
      try {
        expect((await client.request("GET", triggersPath())).status).toBe(401);
        expect(
          (await client.request("GET", "/-/dashboard/session")).status,
        ).toBe(401);
      } finally {
        clock -= 12 * HOUR_MS;
      }
    },
  );

  it.skipIf(unavailable(kind))(
    "logs sign-in and sign-out with who, never the token or session",
    async () => {
      const client = await signedIn();
      await client.request("DELETE", "/-/dashboard/session", {
        csrf: "session",
      });

      const lines = server.logs
        .entries()
        .filter((entry) => String(entry.msg).startsWith("dashboard session"));
      expect(lines).toContainEqual(
        expect.objectContaining({
          msg: "dashboard session started",
          kind: "admin",
          name: "Administrator",
        }),
      );
      expect(lines).toContainEqual(
        expect.objectContaining({ msg: "dashboard session ended" }),
      );
      const cookieValue = client.cookie?.split("=")[1] ?? "";
      expect(server.logs.text).not.toContain(server.adminToken);
      expect(server.logs.text).not.toContain(cookieValue);
      expect(server.logs.text).not.toContain(client.csrfToken);
    },
  );
});

describe("dashboard sign-in attempts", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      env: { FLOWGATE_AUTH_FAILURES_PER_MINUTE: "2" },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it("refuses an address with 429 once its wrong tokens are used up", async () => {
    const client = new DashboardClient(server.url);
    expect((await client.signIn("guess-1")).status).toBe(401);
    expect((await client.signIn("guess-2")).status).toBe(401);

    const limited = await client.signIn(server.adminToken);

    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.headers.get("set-cookie")).toBeNull();
  });

  it("refuses a sign-in that is not JSON", async () => {
    const response = await fetch(`${server.url}/-/dashboard/session`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: server.adminToken,
    });

    expect(response.status).toBe(415);
  });
});
