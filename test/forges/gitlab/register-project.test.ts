import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readGitLabConfig } from "../../../src/forges/gitlab/gitlab-project-config.ts";
import {
  databaseFiles,
  databaseFilesHolding,
} from "../../helpers/database-files.ts";
import {
  createTestDatabase,
  type TestDatabase,
  unavailable,
} from "../../helpers/postgres.ts";
import { startTestServer, type TestServer } from "../../helpers/test-server.ts";

// DESIGN.md §3: a GitLab project is registered with GitLab's id, so
// Flowgate's URLs for it match GitLab's; its token is write-only.

const TOKEN = "glpat-registration-token-0123456789";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

const register = (body: Record<string, unknown>) =>
  server.admin("POST", "/api/v4/projects", body);

describe("registering a GitLab project", () => {
  it("keeps GitLab's id, shows the webhook secret once and never the token", async () => {
    const created = await register({
      id: 278964,
      path: "gitlab-org/shop",
      forge: {
        type: "gitlab",
        base_url: "https://gitlab.example.com/",
        token: TOKEN,
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 278964,
      path_with_namespace: "gitlab-org/shop",
      forge: {
        type: "gitlab",
        base_url: "https://gitlab.example.com",
        project_id: 278964,
        pipeline_trigger_token_set: false,
      },
      webhook_url: expect.stringContaining(
        "/api/v4/projects/278964/gitlab/webhook",
      ),
      webhook_secret: expect.stringMatching(/^whsec_/),
    });
    expect(JSON.stringify(created.body)).not.toContain(TOKEN);

    const read = await server.admin("GET", "/api/v4/projects/278964");
    expect(read.body.forge.type).toBe("gitlab");
    expect(read.body).not.toHaveProperty("webhook_secret");
    expect(JSON.stringify(read.body)).not.toContain(TOKEN);
  });

  it("keeps the token and the webhook secret encrypted in the database and its WAL", async () => {
    const created = await register({
      id: 278965,
      path: "gitlab-org/sealed",
      forge: {
        type: "gitlab",
        base_url: "https://gitlab.example.com",
        token: TOKEN,
      },
    });
    expect(created.status).toBe(201);

    // The row is new: it sits in the WAL, which the search must cover.
    const searched = databaseFiles(server.dataDir).map(({ file }) =>
      path.basename(file),
    );
    expect(searched).toEqual(
      expect.arrayContaining(["flowgate.sqlite", "flowgate.sqlite-wal"]),
    );
    expect(databaseFilesHolding(server.dataDir, TOKEN)).toEqual([]);
    expect(
      databaseFilesHolding(server.dataDir, created.body.webhook_secret),
    ).toEqual([]);

    // Sealed, not dropped: the stored settings open to the token.
    const row = await server.app.store.db
      .selectFrom("projects")
      .select("forge_config")
      .where("id", "=", 278965)
      .executeTakeFirstOrThrow();
    const opened = readGitLabConfig(row.forge_config, server.app.secretBox);
    expect(opened.token).toBe(TOKEN);
    expect(opened.webhookSecret).toBe(created.body.webhook_secret);
  });

  it("numbers a later local project past GitLab's id", async () => {
    const local = await register({ path: "acme/after-gitlab" });
    expect(local.status).toBe(201);
    expect(local.body.id).toBeGreaterThan(278964);
  });

  it("names the field when the id is missing, taken or given to a local project", async () => {
    const missing = await register({
      path: "gitlab-org/no-id",
      forge: {
        type: "gitlab",
        base_url: "https://gitlab.example.com",
        token: TOKEN,
      },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.id).toBeDefined();

    const taken = await register({
      id: 278964,
      path: "gitlab-org/again",
      forge: {
        type: "gitlab",
        base_url: "https://gitlab.example.com",
        token: TOKEN,
      },
    });
    expect(taken.status).toBe(400);
    expect(taken.body.errors.id).toEqual(["has already been taken"]);

    const local = await register({ id: 5, path: "acme/numbered" });
    expect(local.status).toBe(400);
    expect(local.body.errors.id).toBeDefined();
  });
});

describe.skipIf(unavailable("postgres"))("postgres", () => {
  let database: TestDatabase | undefined;
  let onPostgres: TestServer | undefined;
  afterAll(async () => {
    await onPostgres?.close();
    await database?.drop();
  });

  it("numbers a local project past a GitLab project's id on PostgreSQL too", async () => {
    database = await createTestDatabase();
    onPostgres = await startTestServer({
      env: { FLOWGATE_DATABASE_URL: database.url },
    });
    const gitlab = await onPostgres.admin("POST", "/api/v4/projects", {
      id: 4242,
      path: "gitlab-org/on-postgres",
      forge: {
        type: "gitlab",
        base_url: "https://gitlab.example.com",
        token: TOKEN,
      },
    });
    expect(gitlab.status).toBe(201);
    const local = await onPostgres.admin("POST", "/api/v4/projects", {
      path: "acme/after-gitlab-on-postgres",
    });
    expect(local.status).toBe(201);
    expect(local.body.id).toBeGreaterThan(4242);
  });
});

describe("changing a GitLab project's forge settings", () => {
  const NEW_TOKEN = "glpat-replacement-token-9876543210";

  it("replaces the token and the pipeline trigger token without showing either", async () => {
    const changed = await server.admin("PATCH", "/api/v4/projects/278964", {
      forge: { token: NEW_TOKEN, pipeline_trigger_token: "glptt-trigger-0001" },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.forge.pipeline_trigger_token_set).toBe(true);
    expect(JSON.stringify(changed.body)).not.toContain(NEW_TOKEN);
    expect(changed.body).not.toHaveProperty("webhook_secret");

    const row = await server.app.store.db
      .selectFrom("projects")
      .select("forge_config")
      .where("id", "=", 278964)
      .executeTakeFirstOrThrow();
    const opened = readGitLabConfig(row.forge_config, server.app.secretBox);
    expect(opened.token).toBe(NEW_TOKEN);
    expect(opened.pipelineTriggerToken).toBe("glptt-trigger-0001");
    expect(row.forge_config).not.toContain(NEW_TOKEN);
    for (const secret of [NEW_TOKEN, "glptt-trigger-0001"]) {
      expect(databaseFilesHolding(server.dataDir, secret)).toEqual([]);
    }

    const audit = await server.admin(
      "GET",
      "/api/v4/projects/278964/workflows/audit_events",
    );
    const event = audit.body.find(
      (entry: any) =>
        entry.details.custom_message === "changed GitLab project settings",
    );
    expect(JSON.stringify(event)).not.toContain(NEW_TOKEN);
  });

  it("rotates the webhook secret: the new one works at once, the old one no more", async () => {
    const webhook = (secret: string) =>
      fetch(`${server.url}/api/v4/projects/278964/gitlab/webhook`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-gitlab-token": secret,
          "x-gitlab-event": "Push Hook",
        },
        body: JSON.stringify({ object_kind: "push" }),
      });
    const row = await server.app.store.db
      .selectFrom("projects")
      .select("forge_config")
      .where("id", "=", 278964)
      .executeTakeFirstOrThrow();
    const old = readGitLabConfig(row.forge_config, server.app.secretBox);
    expect((await webhook(old.webhookSecret)).status).toBe(200);

    const rotated = await server.admin("PATCH", "/api/v4/projects/278964", {
      rotate_webhook_secret: true,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.webhook_secret).toMatch(/^whsec_/);
    expect(rotated.body.webhook_secret).not.toBe(old.webhookSecret);

    expect((await webhook(rotated.body.webhook_secret)).status).toBe(200);
    expect((await webhook(old.webhookSecret)).status).toBe(401);
  });

  it("refuses a local project and unknown settings, naming them", async () => {
    const local = await server.admin(
      "PATCH",
      "/api/v4/projects/acme%2Fafter-gitlab",
      {
        rotate_webhook_secret: true,
      },
    );
    expect(local.status).toBe(400);
    expect(local.body.message).toContain("only a GitLab project");

    const unknown = await server.admin("PATCH", "/api/v4/projects/278964", {
      forge: { project_id: 1 },
    });
    expect(unknown.status).toBe(400);
  });
});
