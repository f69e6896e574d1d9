import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Browser,
  browserAvailable,
  launchBrowser,
  signIn,
} from "../helpers/browser.ts";
import { buildDashboardForTest } from "../helpers/dashboard-build.ts";
import { startTestServer, type TestServer } from "../helpers/test-server.ts";

let build: Awaited<ReturnType<typeof buildDashboardForTest>>;
let server: TestServer;
let browser: Browser;
let projectId: number;

describe.skipIf(!browserAvailable())("CSRF protection in the browser", () => {
  beforeAll(async () => {
    build = await buildDashboardForTest();
    server = await startTestServer({ dashboardDir: build.dir });
    projectId = (await server.createProject("acme/csrf")).id;
    browser = await launchBrowser();
    await signIn(browser.page, server.url, server.adminToken);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    build?.remove();
  });

  /** POSTs a trigger from the signed-in page, with or without the token. */
  const createTrigger = (withToken: boolean) =>
    browser.page.evaluate(
      async ({ path, withToken }) => {
        const session = (await (
          await fetch("/-/dashboard/session")
        ).json()) as { csrf_token: string };
        const response = await fetch(path, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(withToken ? { "x-csrf-token": session.csrf_token } : {}),
          },
          body: JSON.stringify({ source: "generic", name: "from the page" }),
        });
        const body = (await response.json()) as Record<string, unknown>;
        return { status: response.status, body };
      },
      {
        path: `/api/v4/projects/${projectId}/workflows/triggers`,
        withToken,
      },
    );

  it("refuses a change carried by the cookie without the CSRF token", async () => {
    const answer = await createTrigger(false);

    expect(answer).toEqual({
      status: 403,
      body: {
        message:
          "403 Forbidden - missing or invalid CSRF token; reload the dashboard",
      },
    });
    const triggers = await server.admin(
      "GET",
      `/api/v4/projects/${projectId}/workflows/triggers`,
    );
    expect(triggers.body).toEqual([]);
  });

  it("accepts the same change with the session's CSRF token", async () => {
    const answer = await createTrigger(true);

    expect(answer.status).toBe(201);
    expect(answer.body.name).toBe("from the page");
  });
});
