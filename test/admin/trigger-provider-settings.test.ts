import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/test-server.ts";

describe("provider settings of a trigger", () => {
  let server: TestServer;
  let base: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { FLOWGATE_ROLE: "api" } });
    const project = await server.createProject();
    base = `/api/v4/projects/${project.id}/workflows/triggers`;
  });
  afterAll(async () => server.close());

  it("creates, reads and changes bot_identity, start_status and acceptance_criteria_field", async () => {
    const created = await server.admin("POST", base, {
      source: "jira",
      bot_identity: "712020:flowgate-bot",
      start_status: "Ready for AI",
      acceptance_criteria_field: "customfield_10042",
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      bot_identity: "712020:flowgate-bot",
      start_status: "Ready for AI",
      acceptance_criteria_field: "customfield_10042",
    });

    const changed = await server.admin("PATCH", `${base}/${created.body.id}`, {
      start_status: null,
      bot_identity: "other-bot",
    });
    expect(changed.body).toMatchObject({
      bot_identity: "other-bot",
      start_status: null,
      acceptance_criteria_field: "customfield_10042",
    });
    const read = await server.admin("GET", `${base}/${created.body.id}`);
    expect(read.body.start_status).toBeNull();
  });

  it("takes a provider's own signing secret, never shows it, and checks Standard Webhooks secrets", async () => {
    const slack = await server.admin("POST", base, {
      source: "slack",
      signing_secret: "8f742231b10e8888abcd99yyyzzz85a5",
    });
    expect(slack.status).toBe(201);
    expect(slack.body.signing_secret).toBe("8f742231b10e8888abcd99yyyzzz85a5");
    const read = await server.admin("GET", `${base}/${slack.body.id}`);
    expect(read.body).not.toHaveProperty("signing_secret");

    const generic = await server.admin("POST", base, {
      source: "generic",
      signing_secret: "not-a-standard-webhooks-secret",
    });
    expect(generic.status).toBe(400);
    expect(generic.body.errors).toHaveProperty("signing_secret");

    const patched = await server.admin("PATCH", `${base}/${slack.body.id}`, {
      signing_secret: "short",
    });
    expect(patched.status).toBe(400);
  });

  it("refuses a malformed custom field id and an identity with spaces", async () => {
    const answer = await server.admin("POST", base, {
      source: "jira",
      acceptance_criteria_field: "Acceptance Criteria",
      bot_identity: "two words",
    });
    expect(answer.status).toBe(400);
    expect(Object.keys(answer.body.errors).sort()).toEqual([
      "acceptance_criteria_field",
      "bot_identity",
    ]);
  });

  it("makes ServiceNow triggers token-only unless told otherwise", async () => {
    const answer = await server.admin("POST", base, { source: "servicenow" });
    expect(answer.body.auth).toBe("token");
    const signed = await server.admin("POST", base, {
      source: "servicenow",
      auth: "token+signature",
    });
    expect(signed.body.auth).toBe("token+signature");
  });
});
