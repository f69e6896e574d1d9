import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CallbackReceiver,
  startCallbackReceiver,
} from "../fakes/callback-receiver.ts";
import { browserAvailable } from "../helpers/browser.ts";
import {
  type DashboardFixture,
  deliverTicket,
  openDashboard,
} from "./dashboard-fixture.ts";

// A callback receiver that answers 404 makes every message of a run
// give up at once (docs/reporting-back.md); once it answers again, the
// run page's button sends a message again.

const SOON = { timeout: 15_000 };

let dashboard: DashboardFixture;
let receiver: CallbackReceiver;
let projectId: number;
let runId: number;
let secret = "";

describe.skipIf(!browserAvailable())(
  "a reporting-back message's retry button",
  () => {
    beforeAll(async () => {
      dashboard = await openDashboard({
        env: { FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" },
      });
      const { server } = dashboard;
      receiver = await startCallbackReceiver(() => secret);
      receiver.failAll({ status: 404 });
      projectId = (await server.createProject("acme/messages")).id;
      const trigger = await server.createTrigger(projectId, {
        sync: { callback_url: receiver.url },
      });
      secret = trigger.signing_secret;
      runId = await deliverTicket(server, projectId, trigger, {
        reference: "MSG-1",
        title: "Reported back to a receiver that is gone",
      });
      await server.waitForRun(projectId, runId);
    }, 120_000);
    afterAll(async () => {
      await dashboard?.close();
      await receiver?.close();
    });

    const messages = async () =>
      (
        await dashboard.server.admin(
          "GET",
          `/api/v4/projects/${projectId}/workflows/runs/${runId}/messages`,
        )
      ).body as Array<{ id: number; event: string; status: string }>;
    const page = () => dashboard.page;

    it("sends a message that gave up again and shows it delivered", async () => {
      await expect
        .poll(async () => (await messages()).map((each) => each.status), SOON)
        .toEqual(["gave_up", "gave_up", "gave_up"]);
      const [first] = await messages();
      await page().goto(dashboard.projectUrl(projectId, `runs/${runId}`));
      const section = page().getByRole("region", { name: "Reporting back" });
      const button = section.getByRole("button", {
        name: `Retry message ${first?.id}`,
      });
      await button.waitFor();
      expect(await section.getByRole("button").count()).toBe(3);
      receiver.failAll(undefined);

      await button.click();

      await expect
        .poll(() => section.locator("tbody tr").first().textContent(), SOON)
        .toContain("delivered");
      expect(await section.getByRole("button").count()).toBe(2);
      expect(receiver.accepted().map((each) => each.type)).toEqual([
        "run.started",
      ]);
      // The timeline follows within a poll of the run's event stream.
      await expect
        .poll(
          () =>
            page()
              .getByRole("table", { name: "Timeline" })
              .getByRole("rowheader")
              .allTextContents(),
          SOON,
        )
        .toContain("sync_retried");
    });
  },
);
