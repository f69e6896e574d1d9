import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable } from "../helpers/browser.ts";
import { deliver, signGeneric } from "../helpers/test-server.ts";
import { type DashboardFixture, openDashboard } from "./dashboard-fixture.ts";

// Ticket text is the attacker's: a title, description or comment that
// carries markup must reach the page as the characters it is.

const TITLE = `<img src=x onerror="window.__pwned='title';alert('title')">Fix <script>window.__pwned='script'</script>`;
const DESCRIPTION = [
  "<script>window.__pwned='description';alert('description')</script>",
  "[click me](javascript:window.__pwned='link';alert('link'))",
  "<a href=\"javascript:alert('anchor')\">anchor</a>",
].join("\n");
const TRACKER_KEY = "trk-live-7f3a9c2e51b84d06";
const COMMENT = `<svg onload="window.__pwned='comment';alert('comment')"></svg>`;

let dashboard: DashboardFixture;
let projectId: number;
let runId: number;
let deliveryId: number;
const dialogs: string[] = [];

describe.skipIf(!browserAvailable())("untrusted ticket text", () => {
  beforeAll(async () => {
    dashboard = await openDashboard();
    const { server, page } = dashboard;
    projectId = (await server.createProject("acme/untrusted")).id;
    const trigger = await server.createTrigger(projectId);
    const signed = signGeneric(
      trigger.signing_secret,
      {
        title: TITLE,
        description: DESCRIPTION,
        external_reference: "XSS-1",
        external_url: "https://tracker.example.com/browse/XSS-1",
        context: { comments: [COMMENT] },
      },
      { token: trigger.token },
    );
    // A tracker's own credential header, which the server does not know.
    signed.headers["x-tracker-api-key"] = TRACKER_KEY;
    const answer = await deliver(server, projectId, signed);
    expect(answer.status).toBe(202);
    runId = answer.body.id;
    await server.waitForRun(projectId, runId);
    const deliveries = await server.admin(
      "GET",
      `/api/v4/projects/${projectId}/workflows/deliveries`,
    );
    deliveryId = deliveries.body[0].id;

    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  }, 120_000);
  afterAll(async () => dashboard?.close());

  const page = () => dashboard.page;
  const pwned = () =>
    page().evaluate(() => (globalThis as { __pwned?: string }).__pwned);
  const javascriptLinks = () =>
    page().locator('a[href^="javascript:" i]').count();
  const projectUrl = (rest: string) => dashboard.projectUrl(projectId, rest);

  it("shows the title literally in the runs list and runs nothing", async () => {
    await page().goto(projectUrl("runs"));
    await page().getByText(TITLE, { exact: true }).waitFor();

    expect(
      await page().locator("main img, main script, main svg").count(),
    ).toBe(0);
    expect(await javascriptLinks()).toBe(0);
    expect(await pwned()).toBeUndefined();
    expect(dialogs).toEqual([]);
  });

  it("shows the title literally on the run page and runs nothing", async () => {
    await page().goto(projectUrl(`runs/${runId}`));
    await page()
      .getByRole("heading", { name: `Run #${runId}` })
      .waitFor();
    await page().getByText(TITLE, { exact: true }).waitFor();

    expect(
      await page().locator("main img, main script, main svg").count(),
    ).toBe(0);
    expect(await javascriptLinks()).toBe(0);
    expect(await pwned()).toBeUndefined();
    expect(dialogs).toEqual([]);
  });

  it("masks a credential header the server did not know", async () => {
    await page().goto(projectUrl(`deliveries/${deliveryId}`));
    const row = page().getByRole("row", { name: /x-tracker-api-key/ });
    await row.waitFor();

    expect(await row.locator("td").textContent()).toBe("[masked]");
    expect(await page().locator("main").textContent()).not.toContain(
      TRACKER_KEY,
    );
  });

  it("shows the description and comment as text in the delivery body", async () => {
    await page().goto(projectUrl(`deliveries/${deliveryId}`));
    const body = page().locator("pre.body");
    await body.waitFor();

    const text = await body.textContent();
    expect(JSON.parse(text ?? "")).toMatchObject({
      title: TITLE,
      description: DESCRIPTION,
      context: { comments: [COMMENT] },
    });
    expect(
      await page().locator("main img, main script, main svg").count(),
    ).toBe(0);
    expect(await javascriptLinks()).toBe(0);
    expect(await pwned()).toBeUndefined();
    expect(dialogs).toEqual([]);
  });
});
