import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, REPOSITORY_ROOT } from "../helpers/child-server.ts";
import {
  createTestDatabase,
  type TestDatabase,
  unavailable,
} from "../helpers/postgres.ts";
import {
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

interface Exit {
  code: number | null;
  stderr: string;
}

/** Runs `flowgate serve` to its exit (or 20 s) with `env`. */
function serveUntilExit(env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "src/main.ts", "serve"],
      {
        cwd: REPOSITORY_ROOT,
        env: { PATH: process.env.PATH ?? "", ...env },
        timeout: 20_000,
      },
      (error, _stdout, stderr) => {
        const code = error ? error.code : 0;
        resolve({ code: typeof code === "number" ? code : null, stderr });
      },
    );
  });
}

describe.skipIf(unavailable("postgres"))("a server on PostgreSQL", () => {
  let database: TestDatabase;
  let server: TestServer;
  const secretKey = randomBytes(32).toString("base64");

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startTestServer({
      env: {
        FLOWGATE_DATABASE_URL: database.url,
        FLOWGATE_SECRET_KEY: secretKey,
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it("turns a signed delivery into a succeeded run with a draft merge request", async () => {
    const project = await server.createProject("acme/pg-shop");
    const trigger = await server.createTrigger(project.id);
    const request = signGeneric(
      trigger.signing_secret,
      { title: "Show prices with VAT", external_reference: "PG-1" },
      { token: trigger.token },
    );

    const accepted = await deliver(server, project.id, request);
    expect(accepted.status).toBe(202);
    const run = await server.waitForRun(project.id, accepted.body.id);

    expect(run.status).toBe("succeeded");
    expect(run.merge_request).toMatchObject({ iid: 1 });
    const mergeRequest = await server.admin(
      "GET",
      `/api/v4/projects/${project.id}/merge_requests/1`,
    );
    expect(mergeRequest.body).toMatchObject({ draft: true, state: "opened" });

    const again = await deliver(server, project.id, request);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: run.id, duplicate: true });
  });

  it("keeps its tables in PostgreSQL, not in a SQLite file", async () => {
    expect(server.app.store.dialect).toBe("postgres");
    expect(fs.existsSync(path.join(server.dataDir, "flowgate.sqlite"))).toBe(
      false,
    );
    const ready = await fetch(`${server.url}/-/readiness`);
    expect(ready.status).toBe(200);
  });

  it("refuses to start a second process whose secret key differs", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-key-"));
    try {
      const exit = await serveUntilExit({
        FLOWGATE_DATABASE_URL: database.url,
        FLOWGATE_SECRET_KEY: randomBytes(32).toString("base64"),
        FLOWGATE_DATA_DIR: dataDir,
        FLOWGATE_PORT: String(await freePort()),
      });

      expect(exit.code).toBe(2);
      expect(exit.stderr).toContain("FLOWGATE_SECRET_KEY");
      expect(exit.stderr).toContain("share one key");
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("a server whose PostgreSQL is unreachable at start-up", () => {
  it("exits with code 3 and names the database without its password", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-nodb-"));
    const closedPort = await freePort();
    try {
      const exit = await serveUntilExit({
        FLOWGATE_DATABASE_URL: `postgres://flowgate:hunter2-secret@127.0.0.1:${closedPort}/flowgate`,
        FLOWGATE_DATA_DIR: dataDir,
        FLOWGATE_PORT: String(await freePort()),
      });

      expect(exit.code).toBe(3);
      expect(exit.stderr).toContain(`127.0.0.1:${closedPort}`);
      expect(exit.stderr).toContain("FLOWGATE_DATABASE_URL");
      expect(exit.stderr).not.toContain("hunter2-secret");
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
