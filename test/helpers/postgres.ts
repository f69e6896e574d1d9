import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

/** The databases every storage and queue contract test runs against. */
export const DATABASES = ["sqlite", "postgres"] as const;
export type DatabaseKind = (typeof DATABASES)[number];

/** The admin URL of the test PostgreSQL, or "" (test/global-setup.ts). */
export function postgresUrl(): string {
  return inject("postgresUrl");
}

/** True when tests for `kind` cannot run on this machine. */
export function unavailable(kind: DatabaseKind): boolean {
  return kind === "postgres" && postgresUrl() === "";
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A database of its own for one test file or test, created on the test
 * server and dropped (connections and all) afterwards.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = postgresUrl();
  if (!adminUrl) throw new Error("no PostgreSQL server for tests");
  const name = `flowgate_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  await withAdmin(adminUrl, async (client) => {
    await client.query(`create database ${name}`);
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withAdmin(adminUrl, async (client) => {
        await client.query(`drop database if exists ${name} with (force)`);
      }),
  };
}

async function withAdmin<T>(
  url: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
