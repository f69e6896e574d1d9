import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildDashboard } from "../../web/build/build-dashboard.ts";

/** Builds the dashboard as `npm run build:web` does, into a new directory. */
export async function buildDashboardForTest(): Promise<{
  dir: string;
  remove(): void;
}> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-dashboard-"));
  await buildDashboard(dir);
  return {
    dir,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
