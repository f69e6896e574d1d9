import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FakeGitLab,
  type FakeGitLabUser,
  startFakeGitLab,
} from "../fakes/gitlab/fake-gitlab.ts";
import { addUserRoutes } from "../fakes/gitlab/user-routes.ts";
import { startTestServer, type TestServer } from "../helpers/test-server.ts";
import { DashboardClient } from "./dashboard-client.ts";

// Signing in to the dashboard with a GitLab personal access token: the
// GitLab a registered project lives on says whose token it is, and on
// every request through the cookie it still says what that user may do
// on the project. GitLab is faked at the HTTP boundary.

const PROJECT = 5301;
const SERVICE_TOKEN = "glpat-flowgate-service-account-token";

const user = (
  id: number,
  username: string,
  access: Record<number, number>,
): FakeGitLabUser => ({
  id,
  username,
  token: `glpat-${username}-0123456789abcdef`,
  access,
});
const reporter = user(21, "rita", { [PROJECT]: 20 });
const developer = user(22, "devon", { [PROJECT]: 30 });
const service: FakeGitLabUser = {
  id: 99,
  username: "flowgate-bot",
  token: SERVICE_TOKEN,
  access: { [PROJECT]: 40 },
};

let gitlab: FakeGitLab;
let server: TestServer;

beforeAll(async () => {
  gitlab = await startFakeGitLab([reporter, developer, service]);
  addUserRoutes(gitlab);
  server = await startTestServer({
    env: { FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" },
  });
  const created = await server.admin("POST", "/api/v4/projects", {
    id: PROJECT,
    path: "gitlab-org/shop",
    forge: { type: "gitlab", base_url: gitlab.url, token: SERVICE_TOKEN },
  });
  expect(created.status).toBe(201);
});
afterAll(async () => {
  await server.close();
  await gitlab.close();
});

const triggers = `/api/v4/projects/${PROJECT}/workflows/triggers`;

describe("a dashboard session of a GitLab user", () => {
  it("signs in as @username when GitLab knows the token", async () => {
    const client = new DashboardClient(server.url);
    const answer = await client.signIn(reporter.token);

    expect(answer.status).toBe(201);
    expect(answer.body.user).toEqual({ kind: "gitlab", name: "@rita" });
    expect(JSON.stringify(answer.body)).not.toContain(reporter.token);
    expect(server.logs.text).not.toContain(reporter.token);
  });

  it("refuses a token GitLab does not know", async () => {
    const client = new DashboardClient(server.url);
    const answer = await client.signIn("glpat-nobody-knows-this-one");

    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ message: "401 Unauthorized" });
  });

  it("lets a Reporter read the project's runs through the cookie", async () => {
    const client = new DashboardClient(server.url);
    await client.signIn(reporter.token);

    const answer = await client.request(
      "GET",
      `/api/v4/projects/${PROJECT}/workflows/runs`,
    );

    expect(answer.status).toBe(200);
  });

  it("refuses a Reporter a new trigger, CSRF token or not", async () => {
    const client = new DashboardClient(server.url);
    await client.signIn(reporter.token);

    const answer = await client.request("POST", triggers, {
      body: { source: "generic", name: "by rita" },
      csrf: "session",
    });

    expect(answer.status).toBe(403);
    expect(answer.body.message).toContain("needs Developer (30) or higher");
  });

  it("lets a Developer create a trigger, audited as the GitLab user", async () => {
    const client = new DashboardClient(server.url);
    await client.signIn(developer.token);

    const answer = await client.request("POST", triggers, {
      body: { source: "generic", name: "by devon" },
      csrf: "session",
    });

    expect(answer.status).toBe(201);
    const audit = await server.admin(
      "GET",
      `/api/v4/projects/${PROJECT}/workflows/audit_events`,
    );
    expect(audit.body[0].details.author_name).toBe("@devon");
  });

  it("keeps instance-wide routes to the admin", async () => {
    const client = new DashboardClient(server.url);
    await client.signIn(developer.token);

    const answer = await client.request("GET", "/api/v4/projects");

    expect(answer.status).toBe(401);
  });
});
