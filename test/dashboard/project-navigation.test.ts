import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FakeGitLab,
  type FakeGitLabUser,
  startFakeGitLab,
} from "../fakes/gitlab/fake-gitlab.ts";
import { addUserRoutes } from "../fakes/gitlab/user-routes.ts";
import { browserAvailable, signIn } from "../helpers/browser.ts";
import { type DashboardFixture, openDashboard } from "./dashboard-fixture.ts";

// The project bar names the project by its path, and a GitLab user,
// whom the instance's project list refuses, opens a project by path.
// GitLab is faked at the HTTP boundary, as in gitlab-sessions.test.ts.

const GITLAB_PROJECT = 5302;
const developer: FakeGitLabUser = {
  id: 31,
  username: "dana",
  token: "glpat-dana-0123456789abcdef",
  access: { [GITLAB_PROJECT]: 30 },
};
const service: FakeGitLabUser = {
  id: 99,
  username: "flowgate-bot",
  token: "glpat-flowgate-service-account-token",
  access: { [GITLAB_PROJECT]: 40 },
};

let gitlab: FakeGitLab;
let dashboard: DashboardFixture;
let localProject: number;

describe.skipIf(!browserAvailable())("project navigation", () => {
  beforeAll(async () => {
    gitlab = await startFakeGitLab([developer, service]);
    addUserRoutes(gitlab);
    dashboard = await openDashboard({
      env: { FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" },
    });
    localProject = (await dashboard.server.createProject("acme/shop")).id;
    const created = await dashboard.server.admin("POST", "/api/v4/projects", {
      id: GITLAB_PROJECT,
      path: "gitlab-org/shop",
      forge: { type: "gitlab", base_url: gitlab.url, token: service.token },
    });
    expect(created.status).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await dashboard?.close();
    await gitlab?.close();
  });

  const page = () => dashboard.page;
  const projectBar = () =>
    page()
      .getByRole("navigation", { name: "Project sections" })
      .locator(".project-name");

  it("names the project by its path in the project bar", async () => {
    for (const section of ["runs", "deliveries", "triggers", "audit"]) {
      await page().goto(dashboard.projectUrl(localProject, section));
      await expect.poll(() => projectBar().textContent()).toBe("acme/shop");
    }
  });

  it("lets a GitLab user open a project by its path", async () => {
    await page().context().clearCookies();
    await signIn(page(), dashboard.server.url, developer.token);
    expect(await page().getByText("Signed in as").textContent()).toContain(
      "@dana",
    );

    await page()
      .getByLabel(/Open a project by id or path/)
      .fill("gitlab-org/shop");
    await page().getByRole("button", { name: "Open" }).click();

    await page().getByRole("heading", { name: "Runs" }).waitFor();
    await page().getByText("Live: new runs").waitFor();
    await expect.poll(() => projectBar().textContent()).toBe("gitlab-org/shop");
    expect(await page().getByRole("alert").count()).toBe(0);
  });
});
