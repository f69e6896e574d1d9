import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable } from "../helpers/browser.ts";
import type { CreatedTrigger } from "../helpers/test-server.ts";
import {
  type DashboardFixture,
  deliverTicket,
  openDashboard,
} from "./dashboard-fixture.ts";

// An api-only server has no worker: a run stays queued until the page
// cancels it, and a retried one is queued again.

const SOON = { timeout: 10_000 };

let dashboard: DashboardFixture;
let projectId: number;
let trigger: CreatedTrigger;

describe.skipIf(!browserAvailable())("a run's cancel and retry buttons", () => {
  beforeAll(async () => {
    dashboard = await openDashboard({ env: { FLOWGATE_ROLE: "api" } });
    projectId = (await dashboard.server.createProject("acme/actions")).id;
    trigger = await dashboard.server.createTrigger(projectId);
  }, 120_000);
  afterAll(async () => dashboard?.close());

  const page = () => dashboard.page;
  const status = () =>
    page().locator("dl.facts dt:text-is('Status') + dd").textContent();
  const timeline = () =>
    page()
      .getByRole("table", { name: "Timeline" })
      .getByRole("rowheader")
      .allTextContents();
  const markNotReloaded = () =>
    page().evaluate(() => {
      (globalThis as { notReloaded?: boolean }).notReloaded = true;
    });
  const notReloaded = () =>
    page().evaluate(
      () => (globalThis as { notReloaded?: boolean }).notReloaded,
    );
  /** Opens a new queued run's page; returns the run's id. */
  const openQueuedRun = async (reference: string) => {
    const runId = await deliverTicket(dashboard.server, projectId, trigger, {
      reference,
      title: `Ticket ${reference}`,
    });
    await page().goto(dashboard.projectUrl(projectId, `runs/${runId}`));
    await page()
      .getByRole("heading", { name: `Run #${runId}` })
      .waitFor();
    expect(await status()).toBe("queued");
    await markNotReloaded();
    return runId;
  };

  it("cancels a queued run from its page and shows it canceled", async () => {
    const runId = await openQueuedRun("ACT-1");
    expect(
      await page().getByRole("button", { name: "Retry run" }).isDisabled(),
    ).toBe(true);

    await page().getByRole("button", { name: "Cancel run" }).click();

    await expect.poll(status, SOON).toBe("canceled");
    expect(await timeline()).toContain("canceled");
    expect(
      await page().getByRole("button", { name: "Cancel run" }).isDisabled(),
    ).toBe(true);
    expect(await notReloaded()).toBe(true);
    const stored = await dashboard.server.admin(
      "GET",
      `/api/v4/projects/${projectId}/workflows/runs/${runId}`,
    );
    expect(stored.body.status).toBe("canceled");
  });

  it("retries a canceled run from its page and shows the new attempt queued", async () => {
    await openQueuedRun("ACT-2");
    await page().getByRole("button", { name: "Cancel run" }).click();
    await expect.poll(status, SOON).toBe("canceled");

    await page().getByRole("button", { name: "Retry run" }).click();

    await expect.poll(status, SOON).toBe("queued");
    expect((await timeline()).slice(-2)).toEqual(["canceled", "retried"]);
    expect(
      await page().getByRole("button", { name: "Cancel run" }).isEnabled(),
    ).toBe(true);
    expect(await notReloaded()).toBe(true);
  });

  it("shows a cancel made elsewhere without a reload", async () => {
    const runId = await openQueuedRun("ACT-3");
    await page().getByText("Reporting back").waitFor();

    const answer = await dashboard.server.admin(
      "POST",
      `/api/v4/projects/${projectId}/workflows/runs/${runId}/cancel`,
    );
    expect(answer.status).toBe(200);

    await expect.poll(status, SOON).toBe("canceled");
    expect(await notReloaded()).toBe(true);
  });

  it("shows why the server refused an action", async () => {
    const runId = await openQueuedRun("ACT-4");
    // Canceled elsewhere, and the page clicks before the stream says so.
    await dashboard.server.admin(
      "POST",
      `/api/v4/projects/${projectId}/workflows/runs/${runId}/cancel`,
    );
    await page().getByRole("button", { name: "Cancel run" }).click();

    const alert = page().getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("409");
  });
});
