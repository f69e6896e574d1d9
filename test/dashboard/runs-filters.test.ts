import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable } from "../helpers/browser.ts";
import type { CreatedTrigger } from "../helpers/test-server.ts";
import {
  type DashboardFixture,
  deliverTicket,
  openDashboard,
} from "./dashboard-fixture.ts";

// An api-only server has no worker, so runs stay queued until canceled:
// the list holds queued and canceled runs from two triggers.

// The event stream polls the database each second; a change shows well
// within this.
const SOON = { timeout: 10_000 };

let dashboard: DashboardFixture;
let projectId: number;
let boardA: CreatedTrigger;
let boardB: CreatedTrigger;

describe.skipIf(!browserAvailable())("the runs list's filters", () => {
  beforeAll(async () => {
    dashboard = await openDashboard({ env: { FLOWGATE_ROLE: "api" } });
    const { server } = dashboard;
    projectId = (await server.createProject("acme/filters")).id;
    boardA = await server.createTrigger(projectId, { name: "Board A" });
    boardB = await server.createTrigger(projectId, { name: "Board B" });
    const tickets = [
      [boardA, "FIL-1", "Export invoices as CSV", "queued"],
      [boardA, "FIL-2", "Import customers", "canceled"],
      [boardB, "FIL-3", "Export orders as CSV", "queued"],
      [boardB, "FIL-4", "Rename the settings page", "canceled"],
    ] as const;
    for (const [trigger, reference, title, status] of tickets) {
      const runId = await deliverTicket(server, projectId, trigger, {
        reference,
        title,
      });
      if (status === "canceled") await cancel(runId);
    }
  }, 120_000);
  afterAll(async () => dashboard?.close());

  const page = () => dashboard.page;
  const cancel = async (runId: number) => {
    const answer = await dashboard.server.admin(
      "POST",
      `/api/v4/projects/${projectId}/workflows/runs/${runId}/cancel`,
    );
    expect(answer.status).toBe(200);
  };
  /** The ticket references the list shows, top to bottom. */
  const shown = () =>
    page()
      .locator("tbody tr")
      .evaluateAll((rows) =>
        rows.map((row) => row.textContent?.match(/FIL-\d+/)?.[0] ?? "?"),
      );
  const openRuns = async () => {
    await page().goto(dashboard.projectUrl(projectId, "runs"));
    await page().getByText("Live: new runs").waitFor();
    await expect
      .poll(shown, SOON)
      .toEqual(["FIL-4", "FIL-3", "FIL-2", "FIL-1"]);
  };

  it("narrows the list to runs of the chosen status", async () => {
    await openRuns();

    await page().getByLabel("Status").selectOption("canceled");

    await expect.poll(shown, SOON).toEqual(["FIL-4", "FIL-2"]);
  });

  it("narrows the list to runs of the chosen trigger", async () => {
    await openRuns();

    await page().getByLabel("Trigger").selectOption(String(boardA.id));

    await expect.poll(shown, SOON).toEqual(["FIL-2", "FIL-1"]);
  });

  it("narrows the list to runs whose title or ticket has the text", async () => {
    await openRuns();

    await page().getByLabel("Title or ticket").fill("as csv");
    await page().getByRole("button", { name: "Search" }).click();
    await expect.poll(shown, SOON).toEqual(["FIL-3", "FIL-1"]);

    await page().getByLabel("Title or ticket").fill("fil-2");
    await page().getByRole("button", { name: "Search" }).click();
    await expect.poll(shown, SOON).toEqual(["FIL-2"]);
  });

  it("combines the filters", async () => {
    await openRuns();

    await page().getByLabel("Status").selectOption("queued");
    await page().getByLabel("Trigger").selectOption(String(boardB.id));

    await expect.poll(shown, SOON).toEqual(["FIL-3"]);
  });

  it("adds a new run that matches the filters and leaves out one that does not", async () => {
    await openRuns();
    await page().getByLabel("Trigger").selectOption(String(boardB.id));
    await expect.poll(shown, SOON).toEqual(["FIL-4", "FIL-3"]);

    // The excluded run is created first, so the stream has carried it
    // by the time the matching one appears.
    await deliverTicket(dashboard.server, projectId, boardA, {
      reference: "FIL-5",
      title: "Excluded by the trigger filter",
    });
    await deliverTicket(dashboard.server, projectId, boardB, {
      reference: "FIL-6",
      title: "Matches the trigger filter",
    });

    await expect.poll(shown, SOON).toEqual(["FIL-6", "FIL-4", "FIL-3"]);
  });

  it("drops a run from a status-filtered list when its status changes", async () => {
    const runId = await deliverTicket(dashboard.server, projectId, boardA, {
      reference: "FIL-7",
      title: "Canceled while the list shows queued runs",
    });
    await page().goto(dashboard.projectUrl(projectId, "runs"));
    await page().getByText("Live: new runs").waitFor();
    await page().getByLabel("Status").selectOption("queued");
    await expect.poll(shown, SOON).toContain("FIL-7");

    await cancel(runId);

    await expect.poll(shown, SOON).not.toContain("FIL-7");
    expect(await shown()).toContain("FIL-1");
  });
});
