import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable } from "../helpers/browser.ts";
import { type DashboardFixture, openDashboard } from "./dashboard-fixture.ts";

let dashboard: DashboardFixture;
let projectId: number;

describe.skipIf(!browserAvailable())("CSRF protection in the browser", () => {
  beforeAll(async () => {
    dashboard = await openDashboard();
    projectId = (await dashboard.server.createProject("acme/csrf")).id;
  }, 120_000);
  afterAll(async () => dashboard?.close());

  /** POSTs a trigger from the signed-in page, with or without the token. */
  const createTrigger = (withToken: boolean) =>
    dashboard.page.evaluate(
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
    const triggers = await dashboard.server.admin(
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
