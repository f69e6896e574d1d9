import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/test-server.ts";

let server: TestServer;
let projectId: number;

beforeAll(async () => {
  server = await startTestServer();
  projectId = (await server.createProject("acme/auth")).id;
});
afterAll(async () => server.close());

async function call(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...headers,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

const CREDENTIALS: Array<[string, () => Record<string, string>]> = [
  ["no token", () => ({})],
  ["a wrong Bearer token", () => ({ authorization: "Bearer wrong-token" })],
  ["a wrong PRIVATE-TOKEN", () => ({ "private-token": "wrong-token" })],
  ["an empty Bearer", () => ({ authorization: "Bearer " })],
  [
    "the admin token in another scheme",
    () => ({ authorization: `Basic ${server.adminToken}` }),
  ],
  [
    "the admin token with a suffix",
    () => ({ "private-token": `${server.adminToken}x` }),
  ],
];

const ENDPOINTS: Array<[string, () => string]> = [
  ["GET", () => "/api/v4/projects"],
  ["GET", () => `/api/v4/projects/${projectId}`],
  ["GET", () => `/api/v4/projects/${projectId}/workflows/triggers`],
  ["GET", () => `/api/v4/projects/${projectId}/workflows/runs`],
  ["GET", () => `/api/v4/projects/${projectId}/workflows/audit_events`],
  ["GET", () => "/api/v4/projects/999999/workflows/deliveries"],
];

describe("the admin API's authentication", () => {
  describe.each(CREDENTIALS)("with %s", (_label, headers) => {
    it.each(ENDPOINTS)("answers 401 to %s %s", async (method, path) => {
      const answer = await call(method, path(), headers());

      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ message: "401 Unauthorized" });
    });
  });

  it("creates nothing for a request without the token", async () => {
    const answer = await call(
      "POST",
      "/api/v4/projects",
      { authorization: "Bearer wrong-token" },
      { path: "acme/intruder" },
    );

    expect(answer.status).toBe(401);
    const lookup = await server.admin(
      "GET",
      "/api/v4/projects/acme%2Fintruder",
    );
    expect(lookup.status).toBe(404);
  });

  it("accepts the admin token as Authorization: Bearer", async () => {
    const answer = await call("GET", `/api/v4/projects/${projectId}`, {
      authorization: `Bearer ${server.adminToken}`,
    });

    expect(answer.status).toBe(200);
    expect(answer.body.path_with_namespace).toBe("acme/auth");
  });

  it("accepts the admin token as PRIVATE-TOKEN", async () => {
    const answer = await call("GET", `/api/v4/projects/${projectId}`, {
      "private-token": server.adminToken,
    });

    expect(answer.status).toBe(200);
    expect(answer.body.id).toBe(projectId);
  });

  it("accepts a lowercase bearer scheme", async () => {
    const answer = await call("GET", "/api/v4/projects", {
      authorization: `bearer ${server.adminToken}`,
    });

    expect(answer.status).toBe(200);
  });

  it("serves health without a token", async () => {
    for (const path of ["/-/liveness", "/-/readiness", "/-/metrics"]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(200);
    }
  });
});
