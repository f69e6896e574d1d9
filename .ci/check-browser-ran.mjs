// Fails CI when the browser suites did not run: a test under
// test/dashboard/ that drives Chromium (its file imports the browser
// helper) and was skipped, or none that passed.
import fs from "node:fs";

const report = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let passed = 0;
const skipped = [];
for (const file of report.testResults) {
  if (!file.name.includes("/test/dashboard/")) continue;
  const source = fs.readFileSync(file.name, "utf8");
  if (!source.includes("helpers/browser.ts")) continue;
  for (const test of file.assertionResults) {
    if (test.status === "passed") passed += 1;
    else skipped.push(`${test.fullName}: ${test.status}`);
  }
}

if (passed === 0 || skipped.length > 0) {
  process.stderr.write(
    `Browser suites did not all run: ${passed} passed, ` +
      `${skipped.length} not run\n${skipped.join("\n")}\n`,
  );
  process.exit(1);
}
process.stdout.write(`Browser suites: ${passed} tests passed\n`);
