import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable } from "../helpers/browser.ts";
import {
  lowContrastTexts,
  tabTo,
  unlabelledControls,
  unnamedButtonsAndLinks,
} from "./accessibility-checks.ts";
import {
  type DashboardFixture,
  deliverTicket,
  openDashboard,
} from "./dashboard-fixture.ts";

// Every page of the dashboard, filled with a finished run, a delivery
// and a trigger, checked for names, contrast and keyboard use.

let dashboard: DashboardFixture;
let projectId: number;
let triggerId: number;
let runId: number;
let deliveryId: number;

/** A page, and what shows it has loaded its data. */
interface Checked {
  name: string;
  path: () => string;
  heading: string | RegExp;
  loaded: string;
}

const project = (rest: string) => () => dashboard.projectUrl(projectId, rest);
const PAGES: Checked[] = [
  {
    name: "projects",
    path: () => `${dashboard.server.url}/-/dashboard/`,
    heading: "Projects",
    loaded: "ul.cards li",
  },
  { name: "runs", path: project("runs"), heading: "Runs", loaded: "tbody tr" },
  {
    name: "run",
    path: () => project(`runs/${runId}`)(),
    heading: /^Run #/,
    loaded: "#messages + table tbody tr",
  },
  {
    name: "deliveries",
    path: project("deliveries"),
    heading: "Deliveries",
    loaded: "tbody tr",
  },
  {
    name: "delivery",
    path: () => project(`deliveries/${deliveryId}`)(),
    heading: /^Delivery #/,
    loaded: "pre.body",
  },
  {
    name: "triggers",
    path: project("triggers"),
    heading: "Triggers",
    loaded: "tbody tr",
  },
  {
    name: "new trigger",
    path: project("triggers/new"),
    heading: "New trigger",
    loaded: "form select",
  },
  {
    name: "trigger",
    path: () => project(`triggers/${triggerId}`)(),
    heading: "Trigger Accessible board",
    loaded: "form input",
  },
  {
    name: "audit",
    path: project("audit"),
    heading: "Audit log",
    loaded: "tbody tr",
  },
];

describe.skipIf(!browserAvailable())("the dashboard's accessibility", () => {
  beforeAll(async () => {
    dashboard = await openDashboard({
      signedIn: false,
      env: { FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" },
    });
    const { server } = dashboard;
    projectId = (await server.createProject("acme/a11y")).id;
    const trigger = await server.createTrigger(projectId, {
      name: "Accessible board",
      // Nothing listens here: the messages give up and show a button.
      sync: { callback_url: "http://127.0.0.1:9/hooks" },
    });
    triggerId = trigger.id;
    runId = await deliverTicket(server, projectId, trigger, {
      reference: "A11Y-1",
      title: "Read the dashboard aloud",
    });
    await server.waitForRun(projectId, runId);
    const deliveries = await server.admin(
      "GET",
      `/api/v4/projects/${projectId}/workflows/deliveries`,
    );
    deliveryId = deliveries.body[0].id;
  }, 120_000);
  afterAll(async () => dashboard?.close());

  const page = () => dashboard.page;
  const expectAccessible = async () => {
    expect(await unlabelledControls(page())).toEqual([]);
    expect(await unnamedButtonsAndLinks(page())).toEqual([]);
    expect(await lowContrastTexts(page())).toEqual([]);
  };

  it("names every control of the sign-in page and keeps its text readable", async () => {
    await page().goto(`${dashboard.server.url}/-/dashboard/sign-in`);
    await page().getByRole("heading", { name: "Sign in" }).waitFor();
    await page().getByLabel("Admin token or GitLab access token").fill("no");
    await page().getByRole("button", { name: "Sign in" }).click();
    await page().getByRole("alert").waitFor();

    await expectAccessible();
  });

  it("signs in and opens a project's runs with the keyboard alone", async () => {
    await page().goto(`${dashboard.server.url}/-/dashboard/`);
    await page().getByRole("heading", { name: "Sign in" }).waitFor();

    const token = page().getByLabel("Admin token or GitLab access token");
    await tabTo(page(), token);
    await page().keyboard.type(dashboard.server.adminToken);
    await page().keyboard.press("Enter");
    await page().getByRole("heading", { name: "Projects" }).waitFor();

    await tabTo(page(), page().getByRole("link", { name: "acme/a11y" }));
    await page().keyboard.press("Enter");
    await page().getByRole("heading", { name: "Runs" }).waitFor();

    await tabTo(page(), page().getByRole("link", { name: `#${runId}` }));
    await page().keyboard.press("Enter");
    await page()
      .getByRole("heading", { name: `Run #${runId}` })
      .waitFor();
  });

  it.each(PAGES)(
    "names every control of the $name page and keeps its text readable",
    async (checked) => {
      await page().goto(checked.path());
      await page().getByRole("heading", { name: checked.heading }).waitFor();
      await page().locator(checked.loaded).first().waitFor();

      await expectAccessible();
    },
  );
});
