import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { inject } from "vitest";

// Chromium is found once per run by test/global-setup.ts
// (find-chromium.ts), which also says when the suites are skipped.

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Whether the browser suites run (describe.skipIf(!browserAvailable())). */
export function browserAvailable(): boolean {
  return inject("chromiumPath") !== "";
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** A headless Chromium with a fresh profile, removed on close. */
export async function launchBrowser(): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: inject("chromiumPath"),
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    locale: "en-GB",
    timezoneId: "UTC",
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

const SCREENSHOTS = path.resolve(import.meta.dirname, "../../docs/screenshots");

/** Saves the page as docs/screenshots/<name>.png for the README. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({
    path: path.join(SCREENSHOTS, `${name}.png`),
    fullPage: true,
    animations: "disabled",
    caret: "hide",
  });
}

/** Signs the page in through the sign-in form and waits for the projects. */
export async function signIn(
  page: Page,
  serverUrl: string,
  token: string,
): Promise<void> {
  await page.goto(`${serverUrl}/-/dashboard/sign-in`);
  await page.getByLabel("Admin token or GitLab access token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Projects" }).waitFor();
}
