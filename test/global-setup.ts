import pg from "pg";
import type { TestProject } from "vitest/node";
import { findChromium } from "./helpers/find-chromium.ts";

// The PostgreSQL suites run against the server named here (the default
// is the one a development machine and CI run); without one they are
// skipped, and this says so once.
const DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test";

declare module "vitest" {
  export interface ProvidedContext {
    /** An admin URL of a reachable PostgreSQL, or "" when there is none. */
    postgresUrl: string;
    /** The Chromium the browser suites drive, or "" when there is none. */
    chromiumPath: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  project.provide("chromiumPath", findChromium());
  await providePostgres(project);
}

async function providePostgres(project: TestProject): Promise<void> {
  const chosen = process.env.FLOWGATE_TEST_POSTGRES_URL;
  const url = chosen || DEFAULT_POSTGRES_URL;
  const problem = await reach(url);
  if (problem === undefined) {
    project.provide("postgresUrl", url);
    return;
  }
  if (chosen || process.env.FLOWGATE_TEST_REQUIRE_POSTGRES) {
    throw new Error(
      `PostgreSQL at ${url} is required for this run but unreachable: ${problem}`,
    );
  }
  process.stderr.write(
    `PostgreSQL suites skipped: no server at ${url} (${problem}); start ` +
      "one there or set FLOWGATE_TEST_POSTGRES_URL=postgres://… to run them\n",
  );
  project.provide("postgresUrl", "");
}

async function reach(url: string): Promise<string | undefined> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 2000,
  });
  try {
    await client.connect();
    await client.query("select 1");
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}
