import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboardForTest } from "../helpers/dashboard-build.ts";

const FIRST_PAGE_LIMIT_BYTES = 100 * 1024;

let build: Awaited<ReturnType<typeof buildDashboardForTest>>;

beforeAll(async () => {
  build = await buildDashboardForTest();
}, 120_000);
afterAll(() => build?.remove());

/** index.html and every script and stylesheet it loads, by path. */
function firstPageFiles(dir: string): string[] {
  const html = fs.readFileSync(path.join(dir, "index.html"), "utf8");
  const urls = [...html.matchAll(/(?:src|href)="\/-\/dashboard\/([^"]+)"/g)];
  return ["index.html", ...urls.map((match) => match[1] ?? "")];
}

describe("the built dashboard", () => {
  it("loads its first page in under 100 KB compressed", () => {
    const files = firstPageFiles(build.dir);
    const gzipped = files.map(
      (file) => fs.statSync(path.join(build.dir, `${file}.gz`)).size,
    );
    const total = gzipped.reduce((sum, size) => sum + size, 0);

    expect(files.some((file) => file.endsWith(".js"))).toBe(true);
    expect(files.some((file) => file.endsWith(".css"))).toBe(true);
    expect(total).toBeLessThan(FIRST_PAGE_LIMIT_BYTES);
  });

  it("writes a gzip and a brotli variant next to every file", () => {
    const files = fs
      .readdirSync(build.dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.join(entry.parentPath, entry.name));
    const originals = files.filter((file) => !/\.(gz|br)$/.test(file));

    expect(originals.length).toBeGreaterThan(2);
    for (const file of originals) {
      expect(files).toContain(`${file}.gz`);
      expect(files).toContain(`${file}.br`);
    }
  });

  it("has no inline script or style the CSP would block", () => {
    const html = fs.readFileSync(path.join(build.dir, "index.html"), "utf8");

    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=/);
  });
});
