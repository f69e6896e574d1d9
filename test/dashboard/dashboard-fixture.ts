import type { Page } from "playwright-core";
import { type Browser, launchBrowser, signIn } from "../helpers/browser.ts";
import { buildDashboardForTest } from "../helpers/dashboard-build.ts";
import {
  type CreatedTrigger,
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from "../helpers/test-server.ts";

/** A built dashboard served by a real server, and a Chromium on it. */
export interface DashboardFixture {
  server: TestServer;
  browser: Browser;
  page: Page;
  /** The dashboard URL of a project's page, such as `runs/3`. */
  projectUrl(projectId: number | string, rest: string): string;
  close(): Promise<void>;
}

/**
 * Builds the dashboard, starts the server and a browser; signs the
 * browser in with the admin token unless `signedIn` is false.
 */
export async function openDashboard(
  options: TestServerOptions & { signedIn?: boolean } = {},
): Promise<DashboardFixture> {
  const { signedIn = true, ...serverOptions } = options;
  const build = await buildDashboardForTest();
  const server = await startTestServer({
    ...serverOptions,
    dashboardDir: build.dir,
  });
  const browser = await launchBrowser();
  if (signedIn) await signIn(browser.page, server.url, server.adminToken);
  return {
    server,
    browser,
    page: browser.page,
    projectUrl: (projectId, rest) =>
      `${server.url}/-/dashboard/projects/${projectId}/${rest}`,
    async close() {
      await browser.close();
      await server.close();
      build.remove();
    },
  };
}

/** Delivers a signed ticket to `trigger`'s URL; returns the run's id. */
export async function deliverTicket(
  server: TestServer,
  projectId: number,
  trigger: CreatedTrigger,
  ticket: { reference: string; title: string },
): Promise<number> {
  const answer = await deliver(
    server,
    projectId,
    signGeneric(
      trigger.signing_secret,
      { title: ticket.title, external_reference: ticket.reference },
      { token: trigger.token },
    ),
    new URL(trigger.webhook_url).pathname,
  );
  if (answer.status !== 202) {
    throw new Error(`delivery of ${ticket.reference}: ${answer.status}`);
  }
  return answer.body.id;
}
