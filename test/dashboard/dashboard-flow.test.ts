import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Browser,
  browserAvailable,
  launchBrowser,
  screenshot,
} from "../helpers/browser.ts";
import { buildDashboardForTest } from "../helpers/dashboard-build.ts";
import {
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

// The acceptance path, in one browser session against the real
// server: each step leaves the page where the next one starts.

let build: Awaited<ReturnType<typeof buildDashboardForTest>>;
let server: TestServer;
let browser: Browser;
let projectId: number;
const dialogs: string[] = [];

describe.skipIf(!browserAvailable())("the dashboard in a browser", () => {
  beforeAll(async () => {
    build = await buildDashboardForTest();
    server = await startTestServer({ dashboardDir: build.dir });
    projectId = (await server.createProject("acme/dashboard")).id;
    browser = await launchBrowser();
    browser.page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    build?.remove();
  });

  const page = () => browser.page;
  const projectUrl = (rest: string) =>
    `${server.url}/-/dashboard/projects/${projectId}/${rest}`;
  let trigger: { id: number; secret: string; webhookPath: string };
  let runId: number;

  it("sends a visitor without a session to sign-in, and refuses a wrong token", async () => {
    await page().goto(`${server.url}/-/dashboard/`);
    await page().getByRole("heading", { name: "Sign in" }).waitFor();
    expect(new URL(page().url()).pathname).toBe("/-/dashboard/sign-in");

    await page().getByLabel("Admin token or GitLab access token").fill("nope");
    await page().getByRole("button", { name: "Sign in" }).click();

    const alert = page().getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("was not accepted");
    await screenshot(page(), "sign-in");
  });

  it("signs in with the admin token and lists the projects", async () => {
    await page()
      .getByLabel("Admin token or GitLab access token")
      .fill(server.adminToken);
    await page().getByRole("button", { name: "Sign in" }).click();

    await page().getByRole("heading", { name: "Projects" }).waitFor();
    await page().getByRole("link", { name: "acme/dashboard" }).waitFor();
    expect(await page().getByText("Signed in as").textContent()).toContain(
      "Administrator",
    );
  });

  it("creates a trigger through the form and shows its secrets once with the setup steps", async () => {
    await page().goto(projectUrl("triggers/new"));
    await page().getByLabel("Source").selectOption("generic");
    await page().getByLabel("Name").fill("Dashboard board");
    await page().getByRole("button", { name: "Create trigger" }).click();

    const secrets = page().getByRole("region", {
      name: "Trigger Dashboard board is created",
    });
    await secrets.waitFor();
    const secret = await secrets.locator("[data-secret=signing-secret]");
    const token = await secrets.locator("[data-secret=token]");
    const webhookUrl = await secrets
      .locator("dt:has-text('Webhook URL') + dd code")
      .textContent();
    trigger = {
      id: Number(webhookUrl?.match(/triggers\/(\d+)\/webhook/)?.[1]),
      secret: (await secret.textContent()) ?? "",
      webhookPath: new URL(webhookUrl ?? "").pathname,
    };
    expect(trigger.secret).toMatch(/^whsec_/);
    expect(await token.textContent()).toMatch(/^fgt_/);
    expect(await secrets.getByRole("button", { name: /Copy/ }).count()).toBe(3);
    expect(await secrets.textContent()).toContain("Standard Webhooks");
    await screenshot(page(), "new-trigger-secret");

    await page().goto(projectUrl("triggers"));
    await page().getByRole("link", { name: "Dashboard board" }).waitFor();
    await screenshot(page(), "triggers");
  });

  it("shows a signed delivery's run appear and succeed without a reload", async () => {
    await page().goto(projectUrl("runs"));
    await page().getByText("Live: new runs").waitFor();
    await page().evaluate(() => {
      (globalThis as unknown as { notReloaded: boolean }).notReloaded = true;
    });

    const answer = await deliver(
      server,
      projectId,
      signGeneric(trigger.secret, {
        title: "Export invoices as CSV",
        external_reference: "DASH-1",
        external_url: "https://tracker.example.com/browse/DASH-1",
      }),
      trigger.webhookPath,
    );
    expect(answer.status).toBe(202);
    runId = answer.body.id;

    const row = page().getByRole("row", { name: /DASH-1/ });
    await row.getByText("succeeded").waitFor({ timeout: 30_000 });
    expect(
      await page().evaluate(
        () => (globalThis as unknown as { notReloaded?: boolean }).notReloaded,
      ),
    ).toBe(true);
    expect(
      await row.getByRole("link", { name: "DASH-1" }).getAttribute("href"),
    ).toBe("https://tracker.example.com/browse/DASH-1");
    expect(await row.getByRole("link", { name: "!1" }).count()).toBe(1);
    await screenshot(page(), "runs");
  }, 60_000);

  it("opens the run with its timeline and the merge request's diff", async () => {
    await page()
      .getByRole("row", { name: /DASH-1/ })
      .getByRole("link", { name: "!1" })
      .click();

    await page()
      .getByRole("heading", { name: `Run #${runId}` })
      .waitFor();
    const timeline = page().getByRole("table", { name: "Timeline" });
    await timeline
      .getByRole("rowheader", { name: "merge_request_opened" })
      .waitFor();
    const diff = page().getByRole("region", { name: "Merge request !1" });
    await diff.locator("pre.diff-text").first().waitFor();
    expect(await diff.locator("pre.diff-text").first().textContent()).toMatch(
      /^@@ /,
    );
    expect(await diff.textContent()).toContain("docs/plans/DASH-1.md");
    await screenshot(page(), "run");
  });

  it("redelivers a refused delivery with the session and shows the answer", async () => {
    const forged = signGeneric(
      `whsec_${Buffer.from("x".repeat(32)).toString("base64")}`,
      {
        title: "Forged signature",
        external_reference: "DASH-2",
      },
    );
    const refused = await deliver(
      server,
      projectId,
      forged,
      trigger.webhookPath,
    );
    expect(refused.status).toBe(401);

    await page().goto(projectUrl("deliveries"));
    await page().getByLabel("Outcome").selectOption("refused");
    const row = page().getByRole("row", { name: /signature mismatch/ });
    await row.waitFor();
    await screenshot(page(), "deliveries");
    await row.getByRole("link").first().click();

    await page()
      .getByRole("heading", { name: /Delivery #/ })
      .waitFor();
    expect(await page().locator("pre.body").textContent()).toContain(
      '"title": "Forged signature"',
    );
    const signature = page().getByRole("row", { name: /webhook-signature/ });
    expect(await signature.textContent()).toContain("[masked]");
    await page().getByRole("button", { name: "Redeliver" }).click();
    const answer = page().getByRole("region", { name: /Redelivery answered/ });
    await answer.waitFor();
    expect(await answer.getByRole("heading").textContent()).toBe(
      "Redelivery answered 202",
    );
    expect(await answer.textContent()).toContain(
      '"external_reference": "DASH-2"',
    );
    await answer.getByRole("link", { name: /Open run #\d+/ }).waitFor();
    await screenshot(page(), "delivery");
  });

  it("rotates the trigger's secrets and shows the new ones once", async () => {
    await page().goto(projectUrl(`triggers/${trigger.id}`));
    await page()
      .getByLabel(/Grace period/)
      .fill("0");
    await page().getByRole("button", { name: "Rotate secrets" }).click();

    const secrets = page().getByRole("region", {
      name: "New token and signing secret",
    });
    await secrets.waitFor();
    const rotated = await secrets
      .locator("[data-secret=signing-secret]")
      .textContent();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(trigger.secret);

    const old = await deliver(
      server,
      projectId,
      signGeneric(trigger.secret, {
        title: "Old",
        external_reference: "DASH-3",
      }),
      trigger.webhookPath,
    );
    const fresh = await deliver(
      server,
      projectId,
      signGeneric(rotated ?? "", {
        title: "New",
        external_reference: "DASH-4",
      }),
      trigger.webhookPath,
    );
    expect([old.status, fresh.status]).toEqual([401, 202]);
  });

  it("lists the audit log, filtered by text", async () => {
    await page().goto(projectUrl("audit"));
    await page().locator("tbody tr").first().waitFor();
    await screenshot(page(), "audit");

    await page().getByLabel("Action, author or target").fill("rotated");
    const filtered = page().waitForResponse((response) =>
      response.url().includes("audit_events?search=rotated"),
    );
    await page().getByRole("button", { name: "Filter" }).click();
    const answer = await (await filtered).json();
    await page()
      .locator("tbody tr")
      .nth(answer.length - 1)
      .waitFor();

    const texts = await page().locator("tbody tr").allTextContents();
    expect(texts.length).toBe(answer.length);
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) expect(text).toContain("rotated");
  });

  it("signs out, after which the API refuses the old cookie", async () => {
    await page().getByRole("button", { name: "Sign out" }).click();
    await page().getByRole("heading", { name: "Sign in" }).waitFor();

    const status = await page().evaluate(async () => {
      const response = await fetch("/api/v4/projects");
      return response.status;
    });
    expect(status).toBe(401);
    expect(dialogs).toEqual([]);
  });
});
