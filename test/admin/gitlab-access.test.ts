import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FakeGitLab,
  type FakeGitLabUser,
  startFakeGitLab,
} from "../fakes/gitlab/fake-gitlab.ts";
import { addUserRoutes } from "../fakes/gitlab/user-routes.ts";
import { readJson } from "../helpers/admin-request.ts";
import {
  freePort,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

// DESIGN.md §3 in GitLab mode: on a GitLab project's routes a GitLab
// personal access token is checked with GitLab itself, Reporter reads
// and Developer changes; GitLab is faked at the HTTP boundary.

const PROJECT = 4201;
const UNREACHABLE_PROJECT = 4202;
const SERVICE_TOKEN = "glpat-flowgate-service-account-token";

const user = (
  id: number,
  username: string,
  access: Record<number, number>,
  token = `glpat-${username}-0123456789abcdef`,
): FakeGitLabUser => ({ id, username, token, access });
const reporter = user(11, "rita", { [PROJECT]: 20 });
const developer = user(12, "devon", { [PROJECT]: 30 });
const outsider = user(13, "olga", {});
const counted = user(14, "carl", { [PROJECT]: 20 });
const service = user(99, "flowgate-bot", { [PROJECT]: 40 }, SERVICE_TOKEN);

let gitlab: FakeGitLab;
let server: TestServer;
let localProjectId: number;

beforeAll(async () => {
  gitlab = await startFakeGitLab([
    reporter,
    developer,
    outsider,
    counted,
    service,
  ]);
  addUserRoutes(gitlab);
  server = await startTestServer({
    env: { FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" },
  });
  await register(PROJECT, "gitlab-org/shop", gitlab.url);
  // Nothing listens there: GitLab is down for this project.
  const nowhere = `http://127.0.0.1:${await freePort()}`;
  await register(UNREACHABLE_PROJECT, "gitlab-org/offline", nowhere);
  localProjectId = (await server.createProject("acme/local")).id;
});
afterAll(async () => {
  await server.close();
  await gitlab.close();
});

async function register(id: number, path: string, baseUrl: string) {
  const created = await server.admin("POST", "/api/v4/projects", {
    id,
    path,
    forge: { type: "gitlab", base_url: baseUrl, token: SERVICE_TOKEN },
  });
  expect(created.status).toBe(201);
}

async function as(token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      "private-token": token,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return readJson(response);
}

const base = `/api/v4/projects/${PROJECT}`;
const callsWith = (token: string) =>
  gitlab.requests.filter(
    (request) => request.headers["private-token"] === token,
  ).length;

async function auditEvents(projectId = PROJECT) {
  const listed = await server.admin(
    "GET",
    `/api/v4/projects/${projectId}/workflows/audit_events?per_page=100`,
  );
  expect(listed.status).toBe(200);
  return listed.body as Array<Record<string, any>>;
}

describe("a GitLab token on a GitLab project's admin routes", () => {
  it("lets a Reporter read the project, its runs and its triggers", async () => {
    for (const path of [
      base,
      `${base}/workflows/runs`,
      `${base}/workflows/triggers`,
      `${base}/workflows/audit_events`,
    ]) {
      const read = await as(reporter.token, "GET", path);
      expect(read.status, path).toBe(200);
    }
  });

  it("refuses a Reporter a new trigger with 403 naming Developer", async () => {
    const created = await as(
      reporter.token,
      "POST",
      `${base}/workflows/triggers`,
      {
        source: "generic",
      },
    );

    expect(created.status).toBe(403);
    expect(created.body.message).toMatch(/^403 Forbidden - /);
    expect(created.body.message).toContain("Developer (30) or higher");
    expect(created.body.message).toContain("@rita has Reporter (20)");
    const triggers = await server.admin("GET", `${base}/workflows/triggers`);
    expect(triggers.body).toEqual([]);
  });

  it("lets a Developer create a trigger, audited as the GitLab user", async () => {
    const created = await as(
      developer.token,
      "POST",
      `${base}/workflows/triggers`,
      {
        source: "generic",
        name: "made by devon",
      },
    );

    expect(created.status).toBe(201);
    expect(created.body.token).toEqual(expect.any(String));
    const audit = (await auditEvents()).find(
      (event) => event.details.custom_message === "created trigger",
    );
    expect(audit).toMatchObject({
      author_id: developer.id,
      details: { author_name: "@devon", ip_address: "127.0.0.1" },
    });
  });

  it("accepts the token as Authorization: Bearer too", async () => {
    const response = await fetch(`${server.url}${base}/workflows/runs`, {
      headers: { authorization: `Bearer ${developer.token}` },
    });
    expect(response.status).toBe(200);
  });

  it("answers 401 in GitLab's words to a token GitLab does not know", async () => {
    const read = await as("glpat-expired-or-never-issued", "GET", base);

    expect(read.status).toBe(401);
    expect(read.body).toEqual({ message: "401 Unauthorized" });
  });

  it("answers 403 to a user who is not a member of the project", async () => {
    const read = await as(outsider.token, "GET", `${base}/workflows/runs`);

    expect(read.status).toBe(403);
    expect(read.body.message).toContain("Reporter (20) or higher");
    expect(read.body.message).toContain("@olga is not a member");
  });

  it("writes each refusal to the audit log with who, what and from where", async () => {
    const refusals = (await auditEvents()).filter(
      (event) => event.details.custom_message === "refused admin request",
    );

    const byReason = (text: string) =>
      refusals.find((event) => String(event.details.reason).includes(text));
    expect(byReason("@rita has Reporter")).toMatchObject({
      author_id: reporter.id,
      details: {
        author_name: "@rita",
        method: "POST",
        path: `${base}/workflows/triggers`,
        status: 403,
        required_level: 30,
        access_level: 20,
        ip_address: "127.0.0.1",
      },
    });
    expect(byReason("@olga is not a member")?.details.author_name).toBe(
      "@olga",
    );
    expect(byReason("does not know the token")).toMatchObject({
      author_id: 0,
      details: { author_name: "unauthenticated sender", status: 401 },
    });
  });

  it("asks GitLab once for a token and project, not on every request", async () => {
    const first = await as(counted.token, "GET", `${base}/workflows/runs`);
    expect(first.status).toBe(200);
    const afterFirst = callsWith(counted.token);
    expect(afterFirst).toBe(2);

    const second = await as(counted.token, "GET", `${base}/workflows/runs`);
    expect(second.status).toBe(200);
    expect(callsWith(counted.token)).toBe(afterFirst);
  });

  it("keeps admin-only routes closed to a Developer's token", async () => {
    const merge = await as(developer.token, "GET", `${base}/merge_requests`);
    expect(merge.status).toBe(403);
    expect(merge.body.message).toContain("needs the instance admin token");

    const before = callsWith(developer.token);
    const list = await as(developer.token, "GET", "/api/v4/projects");
    expect(list.status).toBe(401);
    const register = await as(developer.token, "POST", "/api/v4/projects", {
      path: "acme/by-devon",
    });
    expect(register.status).toBe(401);
    const local = await as(
      developer.token,
      "GET",
      `/api/v4/projects/${localProjectId}/workflows/runs`,
    );
    expect(local.status).toBe(401);
    // Only a GitLab project's routes ask GitLab at all.
    expect(callsWith(developer.token)).toBe(before);
  });

  it("answers 503 when GitLab cannot be reached, letting nobody in", async () => {
    const read = await as(
      developer.token,
      "GET",
      `/api/v4/projects/${UNREACHABLE_PROJECT}/workflows/runs`,
    );

    expect(read.status).toBe(503);
    expect(read.body.message).toMatch(
      /^503 Service Unavailable - GitLab could not be reached/,
    );
    const refused = (await auditEvents(UNREACHABLE_PROJECT)).find(
      (event) => event.details.custom_message === "refused admin request",
    );
    expect(refused?.details.status).toBe(503);
  });

  it("answers 503 when GitLab fails, and asks again on the next request", async () => {
    const fresh = user(15, "fiona", { [PROJECT]: 30 });
    gitlab.users.push(fresh);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      gitlab.fault(
        { method: "GET", path: /^\/api\/v4\/user$/ },
        { status: 502 },
      );
    }

    const failed = await as(fresh.token, "GET", `${base}/workflows/runs`);
    expect(failed.status).toBe(503);
    const retried = await as(fresh.token, "GET", `${base}/workflows/runs`);
    expect(retried.status).toBe(200);
  });

  it("never writes a token to the log", () => {
    for (const token of [
      reporter.token,
      developer.token,
      outsider.token,
      SERVICE_TOKEN,
      "glpat-expired-or-never-issued",
    ]) {
      expect(server.logs.text).not.toContain(token);
    }
  });
});
