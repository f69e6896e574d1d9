import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable } from "../helpers/browser.ts";
import {
  type CreatedTrigger,
  deliver,
  signGeneric,
} from "../helpers/test-server.ts";
import { tabTo, unnamedButtonsAndLinks } from "./accessibility-checks.ts";
import {
  type DashboardFixture,
  deliverTicket,
  openDashboard,
} from "./dashboard-fixture.ts";

// More runs and deliveries than one page of each list holds, on an
// api-only server (no worker: the runs stay queued). The page sizes are
// read from the pages' own requests, so the lists always need two pages.

// The event stream polls the database each second; a change shows well
// within this.
const SOON = { timeout: 10_000 };
const FORGED_SECRET = "whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==";

let dashboard: DashboardFixture;
let projectId: number;
let trigger: CreatedTrigger;
let runsPerPage: number;
let deliveriesPerPage: number;
let runCount: number;
let deliveryCount: number;

describe.skipIf(!browserAvailable())("the dashboard's older pages", () => {
  beforeAll(async () => {
    dashboard = await openDashboard({ env: { FLOWGATE_ROLE: "api" } });
    const { server } = dashboard;
    projectId = (await server.createProject("acme/paging")).id;
    trigger = await server.createTrigger(projectId, { name: "Paging board" });
    runsPerPage = await askedPageSize("runs", "/workflows/runs");
    deliveriesPerPage = await askedPageSize(
      "deliveries",
      "/workflows/deliveries",
    );

    // The forged deliveries come first, so they are the oldest: only a
    // search on the server finds them from the first page.
    for (let forged = 1; forged <= 3; forged += 1) {
      const answer = await deliver(
        server,
        projectId,
        signGeneric(
          FORGED_SECRET,
          { title: "Forged", external_reference: `FORGED-${forged}` },
          { token: trigger.token },
        ),
        new URL(trigger.webhook_url).pathname,
      );
      expect(answer.status).toBe(401);
    }
    await server.app.ingress.refusals.flush();

    runCount = runsPerPage + 5;
    for (let ticket = 1; ticket <= runCount; ticket += 1) {
      await deliverTicket(server, projectId, trigger, {
        reference: `PAG-${ticket}`,
        title: `Paged ticket ${ticket}`,
      });
    }
    // Refused for their schema (no title), to fill the deliveries past a
    // page without more runs.
    const untitled = Math.max(5, deliveriesPerPage + 5 - runCount - 3);
    for (let ticket = 1; ticket <= untitled; ticket += 1) {
      const answer = await deliver(
        server,
        projectId,
        signGeneric(
          trigger.signing_secret,
          { external_reference: `UNTITLED-${ticket}` },
          { token: trigger.token },
        ),
        new URL(trigger.webhook_url).pathname,
      );
      expect(answer.status).toBe(400);
    }
    await server.app.ingress.refusals.flush();
    deliveryCount = 3 + runCount + untitled;
  }, 120_000);
  afterAll(async () => dashboard?.close());

  const page = () => dashboard.page;

  /** The `per_page` a list page asks the API for. */
  async function askedPageSize(pagePath: string, apiPath: string) {
    const asked = page().waitForRequest((request) =>
      new URL(request.url()).pathname.endsWith(apiPath),
    );
    await page().goto(dashboard.projectUrl(projectId, pagePath));
    const perPage = new URL((await asked).url()).searchParams.get("per_page");
    expect(Number(perPage)).toBeGreaterThan(0);
    return Number(perPage);
  }

  /** The first cell of every row, top to bottom (`#12`). */
  const firstCells = () =>
    page()
      .locator("tbody tr")
      .evaluateAll((rows) =>
        rows.map((row) => row.querySelector("td")?.textContent ?? "?"),
      );
  const counter = () =>
    page()
      .getByText(/^Showing \d+ of \d+$/)
      .textContent();
  const loadOlder = (noun: string) =>
    page().getByRole("button", { name: `Load older ${noun}` });

  it("appends the older runs below the newest page", async () => {
    await page().goto(dashboard.projectUrl(projectId, "runs"));
    await expect.poll(firstCells, SOON).toHaveLength(runsPerPage);
    expect(await counter()).toBe(`Showing ${runsPerPage} of ${runCount}`);
    const newest = await firstCells();

    await loadOlder("runs").click();

    await expect.poll(firstCells, SOON).toHaveLength(runCount);
    const all = await firstCells();
    expect(all.slice(0, runsPerPage)).toEqual(newest);
    expect(new Set(all).size).toBe(runCount);
    expect(await page().getByText("PAG-1", { exact: true }).count()).toBe(1);
    expect(await counter()).toBe(`Showing ${runCount} of ${runCount}`);
    expect(await loadOlder("runs").count()).toBe(0);
  });

  it("reaches Load older by keyboard and names it", async () => {
    await page().goto(dashboard.projectUrl(projectId, "runs"));
    await expect.poll(firstCells, SOON).toHaveLength(runsPerPage);
    expect(await unnamedButtonsAndLinks(page())).toEqual([]);

    await tabTo(page(), loadOlder("runs"), 4 * runsPerPage);
    await page().keyboard.press("Enter");

    await expect.poll(firstCells, SOON).toHaveLength(runCount);
  });

  it("shows a new run once, on top, when older pages are loaded after it", async () => {
    await page().goto(dashboard.projectUrl(projectId, "runs"));
    await page().getByText("Live: new runs").waitFor();
    await expect.poll(firstCells, SOON).toHaveLength(runsPerPage);

    const newRun = await deliverTicket(dashboard.server, projectId, trigger, {
      reference: "PAG-LIVE",
      title: "Arrives while the first page is shown",
    });
    runCount += 1;
    deliveryCount += 1;
    await expect.poll(firstCells, SOON).toHaveLength(runsPerPage + 1);
    expect((await firstCells())[0]).toBe(`#${newRun}`);
    expect(await counter()).toBe(`Showing ${runsPerPage + 1} of ${runCount}`);

    // The next page on the server now starts with a run already shown.
    await loadOlder("runs").click();

    await expect.poll(firstCells, SOON).toHaveLength(runCount);
    const all = await firstCells();
    expect(new Set(all).size).toBe(runCount);
    expect(all[0]).toBe(`#${newRun}`);
    expect(await counter()).toBe(`Showing ${runCount} of ${runCount}`);
  });

  it("keeps the filters when it loads the older runs", async () => {
    // Every run but the live one is a paged ticket.
    const matching = runCount - 1;
    expect(matching).toBeGreaterThan(runsPerPage);
    await page().goto(dashboard.projectUrl(projectId, "runs"));
    await page().getByLabel("Title or ticket").fill("PAGED TICKET");
    await page().getByRole("button", { name: "Search" }).click();
    await expect
      .poll(counter, SOON)
      .toBe(`Showing ${runsPerPage} of ${matching}`);

    await loadOlder("runs").click();

    await expect.poll(firstCells, SOON).toHaveLength(matching);
    const titles = await page().locator(".run-title").allTextContents();
    expect(titles.every((title) => title.startsWith("Paged ticket"))).toBe(
      true,
    );
    expect(new Set(await firstCells()).size).toBe(matching);
  });

  it("skips no older run when a shown one leaves the filtered list", async () => {
    await page().goto(dashboard.projectUrl(projectId, "runs"));
    await page().getByText("Live: new runs").waitFor();
    await page().getByLabel("Status").selectOption("queued");
    await expect
      .poll(counter, SOON)
      .toBe(`Showing ${runsPerPage} of ${runCount}`);
    const leaving = (await firstCells())[1] ?? "";

    const canceled = await dashboard.server.admin(
      "POST",
      `/api/v4/projects/${projectId}/workflows/runs/${leaving.slice(1)}/cancel`,
    );
    expect(canceled.status).toBe(200);
    await expect.poll(firstCells, SOON).not.toContain(leaving);
    expect(await counter()).toBe(
      `Showing ${runsPerPage - 1} of ${runCount - 1}`,
    );
    // Page 2 of the server now starts one run later than it did.
    await loadOlder("runs").click();

    await expect.poll(firstCells, SOON).toHaveLength(runCount - 1);
    expect(new Set(await firstCells()).size).toBe(runCount - 1);
    expect(await counter()).toBe(`Showing ${runCount - 1} of ${runCount - 1}`);
  });

  it("appends the older deliveries and searches every one on the server", async () => {
    await page().goto(dashboard.projectUrl(projectId, "deliveries"));
    await expect.poll(firstCells, SOON).toHaveLength(deliveriesPerPage);
    expect(await counter()).toBe(
      `Showing ${deliveriesPerPage} of ${deliveryCount}`,
    );
    // The forged deliveries are the oldest: not on the first page.
    expect(await page().getByText("signature mismatch").count()).toBe(0);

    await loadOlder("deliveries").click();
    await expect.poll(firstCells, SOON).toHaveLength(deliveryCount);
    expect(new Set(await firstCells()).size).toBe(deliveryCount);
    expect(await loadOlder("deliveries").count()).toBe(0);

    await page().goto(dashboard.projectUrl(projectId, "deliveries"));
    await expect.poll(firstCells, SOON).toHaveLength(deliveriesPerPage);
    await page()
      .getByLabel("Reason or delivery key")
      .fill("SIGNATURE mismatch");
    await page().getByRole("button", { name: "Search" }).click();

    await expect.poll(firstCells, SOON).toHaveLength(3);
    const reasons = await page().locator("td.reason").allTextContents();
    expect(reasons.every((reason) => /signature mismatch/.test(reason))).toBe(
      true,
    );
    expect(await counter()).toBe("Showing 3 of 3");
    expect(await loadOlder("deliveries").count()).toBe(0);
  });

  it("appends the older audit events", async () => {
    const { headers } = await dashboard.server.admin(
      "GET",
      `/api/v4/projects/${projectId}/workflows/audit_events?per_page=1`,
    );
    const total = Number(headers.get("x-total"));
    await page().goto(dashboard.projectUrl(projectId, "audit"));
    await expect.poll(counter, SOON).toMatch(`of ${total}`);
    const firstPage = await page().locator("tbody tr").count();
    expect(firstPage).toBeLessThan(total);

    await loadOlder("events").click();

    await expect
      .poll(() => page().locator("tbody tr").count(), SOON)
      .toBeGreaterThan(firstPage);
    const shown = await page().locator("tbody tr").count();
    expect(await counter()).toBe(`Showing ${shown} of ${total}`);
  });
});
