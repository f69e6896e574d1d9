import fs from "node:fs";

// The browser suites drive Debian's Chromium (apt-get install chromium)
// through playwright-core; no browser is downloaded. Without it they are
// skipped, and this says so once, unless the run requires them
// (FLOWGATE_TEST_REQUIRE_BROWSER=1, as .ci/run sets).

/** The Chromium to use, or "" after saying how to get one. */
export function findChromium(env = process.env): string {
  const chromium = env.FLOWGATE_TEST_CHROMIUM || "/usr/bin/chromium";
  if (fs.existsSync(chromium)) return chromium;
  if (env.FLOWGATE_TEST_REQUIRE_BROWSER === "1") {
    throw new Error(
      `Chromium is required for this run (FLOWGATE_TEST_REQUIRE_BROWSER=1) but ${chromium} does not exist; install it with apt-get install chromium or set FLOWGATE_TEST_CHROMIUM.`,
    );
  }
  process.stderr.write(
    `Browser suites skipped: no Chromium at ${chromium}; run apt-get install chromium (or set FLOWGATE_TEST_CHROMIUM) to enable them.\n`,
  );
  return "";
}
