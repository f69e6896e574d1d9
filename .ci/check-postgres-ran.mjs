// Fails CI when the PostgreSQL suites did not run: a test under
// test/postgres/, or in a describe block named "postgres" (the storage
// and queue contract suites), that was skipped, or none that passed.
import fs from "node:fs";

const report = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let passed = 0;
const skipped = [];
for (const file of report.testResults) {
  const inPostgresFolder = file.name.includes("/test/postgres/");
  for (const test of file.assertionResults) {
    const onPostgres =
      inPostgresFolder || test.ancestorTitles[0] === "postgres";
    if (!onPostgres) continue;
    if (test.status === "passed") passed += 1;
    else skipped.push(`${test.fullName}: ${test.status}`);
  }
}

if (passed === 0 || skipped.length > 0) {
  process.stderr.write(
    `PostgreSQL suites did not all run: ${passed} passed, ` +
      `${skipped.length} not run\n${skipped.join("\n")}\n`,
  );
  process.exit(1);
}
process.stdout.write(`PostgreSQL suites: ${passed} tests passed\n`);
