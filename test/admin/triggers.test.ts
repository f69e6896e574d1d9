import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

const CREDENTIALS = {
  base_url: "https://acme.atlassian.net",
  email: "bot@acme.com",
  api_token: "atlassian-api-token-do-not-show",
};

let server: TestServer;
let projectId: number;
let base: string;
let tickets = 0;

beforeAll(async () => {
  // api only: deliveries here only need to be accepted, not worked on.
  server = await startTestServer({ env: { FLOWGATE_ROLE: "api" } });
  projectId = (await server.createProject("acme/triggers")).id;
  base = `/api/v4/projects/${projectId}/workflows/triggers`;
});
afterAll(async () => server.close());

function signedTicket(secret: string, token: string) {
  tickets += 1;
  return signGeneric(
    secret,
    { title: "Rotate me", external_reference: `ROT-${tickets}` },
    { token },
  );
}

describe("POST …/workflows/triggers", () => {
  it("answers the trigger with its token and signing secret", async () => {
    const created = await server.admin("POST", base, {
      source: "generic",
      name: "PROJ board",
    });

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.any(Number),
      project_id: projectId,
      source: "generic",
      name: "PROJ board",
      workflow_types: ["developer"],
      default_workflow_type: "developer",
      auth: "signature",
      rate_limit: { limit: 600, window_s: 60 },
      branch_template: "ai/{external_reference}-{slug}",
      executor: "agent",
      enabled: true,
      credentials_set: false,
      token: expect.any(String),
      signing_secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/=]+$/),
    });
    expect(created.body.webhook_url).toBe(
      `${server.config.publicUrl}${base}/${created.body.id}/webhook`,
    );
    expect(created.body.token.length).toBeGreaterThanOrEqual(20);
  });

  it("refuses an unknown source and bad attributes, naming each field", async () => {
    const answer = await server.admin("POST", base, {
      source: "carrier-pigeon",
      auth: "none",
      rate_limit: { limit: -1, window_s: 60 },
      branch_template: "ai/{ticket}",
      color: "blue",
    });

    expect(answer.status).toBe(400);
    expect(Object.keys(answer.body.errors)).toEqual(
      expect.arrayContaining([
        "source",
        "auth",
        "rate_limit.limit",
        "branch_template",
      ]),
    );
    expect(JSON.stringify(answer.body.errors)).toContain("color");
  });

  it("refuses a default workflow type outside workflow_types", async () => {
    const answer = await server.admin("POST", base, {
      source: "generic",
      workflow_types: ["developer"],
      default_workflow_type: "review",
    });

    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual({
      default_workflow_type: ["must be one of workflow_types"],
    });
  });
});

describe("reading triggers", () => {
  let created: Record<string, any>;
  beforeAll(async () => {
    created = (
      await server.admin("POST", base, {
        source: "generic",
        name: "with credentials",
        credentials: CREDENTIALS,
      })
    ).body;
  });

  it("never shows the token, the secret or credential values again", async () => {
    const one = await server.admin("GET", `${base}/${created.id}`);
    const list = await server.admin("GET", `${base}?per_page=100`);

    expect(one.status).toBe(200);
    expect(one.body.credentials_set).toBe(true);
    const listed = list.body.find(
      (item: { id: number }) => item.id === created.id,
    );
    expect(listed.credentials_set).toBe(true);
    for (const answer of [one.body, listed]) {
      expect(answer).not.toHaveProperty("token");
      expect(answer).not.toHaveProperty("signing_secret");
      expect(answer).not.toHaveProperty("credentials");
      const text = JSON.stringify(answer);
      expect(text).not.toContain(created.token);
      expect(text).not.toContain(created.signing_secret);
      expect(text).not.toContain(CREDENTIALS.api_token);
      expect(text).not.toContain(CREDENTIALS.email);
    }
  });

  it("does not show credential values in the creation answer either", async () => {
    expect(JSON.stringify(created)).not.toContain(CREDENTIALS.api_token);
    expect(created.credentials_set).toBe(true);
  });

  it("answers 404 for an unknown or non-numeric trigger id", async () => {
    for (const id of ["999999", "abc"]) {
      const answer = await server.admin("GET", `${base}/${id}`);
      expect(answer.status).toBe(404);
      expect(answer.body.message).toMatch(/^404 /);
    }
  });

  it("answers 404 for a trigger of another project", async () => {
    const other = await server.createProject("acme/other-triggers");

    const answer = await server.admin(
      "GET",
      `/api/v4/projects/${other.id}/workflows/triggers/${created.id}`,
    );

    expect(answer.status).toBe(404);
  });
});

describe("PATCH …/workflows/triggers/:trigger_id", () => {
  it("changes the rules it is given and keeps the others", async () => {
    const trigger = await server.createTrigger(projectId, { name: "before" });

    const patched = await server.admin("PATCH", `${base}/${trigger.id}`, {
      label: "flowgate",
      mention: null,
      rate_limit: { limit: 10, window_s: 30 },
      auth: "token+signature",
      enabled: false,
    });

    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: "before",
      label: "flowgate",
      mention: null,
      rate_limit: { limit: 10, window_s: 30 },
      auth: "token+signature",
      enabled: false,
    });
    const read = await server.admin("GET", `${base}/${trigger.id}`);
    expect(read.body).toMatchObject({ label: "flowgate", enabled: false });
    expect(read.body).not.toHaveProperty("token");
  });

  it("answers 400 naming each bad field and changes nothing", async () => {
    const trigger = await server.createTrigger(projectId, { name: "stable" });

    const answer = await server.admin("PATCH", `${base}/${trigger.id}`, {
      name: "",
      executor: "shell",
      rate_limit: { limit: 5, window_s: 0 },
      source: "jira",
    });

    expect(answer.status).toBe(400);
    expect(Object.keys(answer.body.errors)).toEqual(
      expect.arrayContaining(["name", "executor", "rate_limit.window_s"]),
    );
    expect(JSON.stringify(answer.body.errors)).toContain("source");
    const read = await server.admin("GET", `${base}/${trigger.id}`);
    expect(read.body).toMatchObject({
      name: "stable",
      executor: "agent",
      rate_limit: { limit: 600, window_s: 60 },
    });
  });

  it("stops a disabled trigger from accepting deliveries", async () => {
    const trigger = await server.createTrigger(projectId);
    await server.admin("PATCH", `${base}/${trigger.id}`, { enabled: false });

    const answer = await deliver(
      server,
      projectId,
      signedTicket(trigger.signing_secret, trigger.token),
    );

    expect(answer.status).toBe(403);
  });
});

describe("DELETE …/workflows/triggers/:trigger_id", () => {
  it("answers 204, then 404 for the deleted trigger", async () => {
    const trigger = await server.createTrigger(projectId);

    const deleted = await server.admin("DELETE", `${base}/${trigger.id}`);

    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expect((await server.admin("GET", `${base}/${trigger.id}`)).status).toBe(
      404,
    );
    expect((await server.admin("DELETE", `${base}/${trigger.id}`)).status).toBe(
      404,
    );
  });

  it("stops the deleted trigger's token from working", async () => {
    const trigger = await server.createTrigger(projectId);
    await server.admin("DELETE", `${base}/${trigger.id}`);

    const answer = await deliver(
      server,
      projectId,
      signedTicket(trigger.signing_secret, trigger.token),
    );

    expect(answer.status).toBe(401);
  });
});

describe("POST …/workflows/triggers/:trigger_id/rotate", () => {
  it("answers a new token and signing secret", async () => {
    const trigger = await server.createTrigger(projectId);

    const rotated = await server.admin(
      "POST",
      `${base}/${trigger.id}/rotate`,
      {},
    );

    expect(rotated.status).toBe(200);
    expect(rotated.body.id).toBe(trigger.id);
    expect(rotated.body.token).toEqual(expect.any(String));
    expect(rotated.body.signing_secret).toMatch(/^whsec_/);
    expect(rotated.body.token).not.toBe(trigger.token);
    expect(rotated.body.signing_secret).not.toBe(trigger.signing_secret);
    expect(Date.parse(rotated.body.previous_secrets_expire_at)).toBeGreaterThan(
      Date.now() + 23 * 60 * 60 * 1000,
    );
  });

  it("accepts the new and, during the grace period, the old secrets", async () => {
    const trigger = await server.createTrigger(projectId);
    const rotated = (
      await server.admin("POST", `${base}/${trigger.id}/rotate`, {})
    ).body;

    const withNew = await deliver(
      server,
      projectId,
      signedTicket(rotated.signing_secret, rotated.token),
    );
    const withOld = await deliver(
      server,
      projectId,
      signedTicket(trigger.signing_secret, trigger.token),
    );

    expect(withNew.status).toBe(202);
    expect(withOld.status).toBe(202);
  });

  it("refuses the old secrets at once with a grace period of 0", async () => {
    const trigger = await server.createTrigger(projectId);
    const rotated = (
      await server.admin("POST", `${base}/${trigger.id}/rotate`, {
        grace_period_s: 0,
      })
    ).body;

    const withOld = await deliver(
      server,
      projectId,
      signedTicket(trigger.signing_secret, trigger.token),
    );
    const oldTokenNewSignature = await deliver(
      server,
      projectId,
      signedTicket(rotated.signing_secret, trigger.token),
    );

    expect(withOld.status).toBe(401);
    expect(oldTokenNewSignature.status).toBe(401);
    expect(rotated.previous_secrets_expire_at).toBeNull();
  });

  it("refuses a negative grace period", async () => {
    const trigger = await server.createTrigger(projectId);

    const answer = await server.admin("POST", `${base}/${trigger.id}/rotate`, {
      grace_period_s: -5,
    });

    expect(answer.status).toBe(400);
    expect(answer.body.errors.grace_period_s).toBeDefined();
  });
});
