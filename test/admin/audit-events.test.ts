import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CreatedTrigger,
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

let server: TestServer;
let project: { id: number; path: string };
let trigger: CreatedTrigger;
let rotated: CreatedTrigger;
let events: Array<Record<string, any>>;

beforeAll(async () => {
  server = await startTestServer({ env: { FLOWGATE_ROLE: "api" } });
  project = await server.createProject("acme/audited");
  const triggers = `/api/v4/projects/${project.id}/workflows/triggers`;
  trigger = await server.createTrigger(project.id, {
    name: "audited",
    credentials: { api_key: "linear-key-never-in-audit" },
  });
  await server.admin("PATCH", `${triggers}/${trigger.id}`, {
    label: "ai",
    credentials: { api_key: "another-key-never-in-audit" },
  });
  rotated = (await server.admin("POST", `${triggers}/${trigger.id}/rotate`, {}))
    .body;
  const accepted = await deliver(
    server,
    project.id,
    signGeneric(
      rotated.signing_secret,
      { title: "Audit me", external_reference: "AUD-1" },
      { token: rotated.token },
    ),
  );
  const runs = `/api/v4/projects/${project.id}/workflows/runs`;
  await server.admin("POST", `${runs}/${accepted.body.id}/cancel`);
  await server.admin("POST", `${runs}/${accepted.body.id}/retry`);
  const doomed = await server.createTrigger(project.id, { name: "doomed" });
  await server.admin("DELETE", `${triggers}/${doomed.id}`);

  const answer = await server.admin(
    "GET",
    `/api/v4/projects/${project.id}/workflows/audit_events?per_page=100`,
  );
  expect(answer.status).toBe(200);
  events = answer.body;
});
afterAll(async () => server.close());

function actions(list = events): string[] {
  return list.map((event) => event.details.custom_message);
}

describe("GET …/workflows/audit_events", () => {
  it("lists every admin change and delivery, newest first", () => {
    expect(actions()).toEqual([
      "deleted trigger",
      "created trigger",
      "retried run",
      "canceled run",
      "accepted delivery",
      "rotated trigger secrets",
      "changed trigger",
      "created trigger",
      "created project",
    ]);
    const ids = events.map((event) => event.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
  });

  it("answers each event in GitLab's audit event shape", () => {
    const changed = events.find(
      (event) => event.details.custom_message === "changed trigger",
    );

    expect(changed).toEqual({
      id: expect.any(Number),
      author_id: 1,
      entity_id: project.id,
      entity_type: "Project",
      details: expect.objectContaining({
        custom_message: "changed trigger",
        author_name: "instance admin",
        target_id: trigger.id,
        target_type: "Trigger",
        target_details: "audited",
        ip_address: "127.0.0.1",
        entity_path: "acme/audited",
      }),
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    expect(changed?.details.fields).toEqual(["label", "credentials"]);
  });

  it("names the sender's trigger as the author of a delivery", () => {
    const delivery = events.find(
      (event) => event.details.custom_message === "accepted delivery",
    );

    // A trigger is not a user: author_id 0, never the admin's 1.
    expect(delivery).toMatchObject({
      author_id: 0,
      details: {
        author_name: `trigger ${trigger.id}`,
        external_reference: "AUD-1",
      },
    });
  });

  it("never holds a token, a secret or a credential value", () => {
    const text = JSON.stringify(events);

    for (const secret of [
      trigger.token,
      trigger.signing_secret,
      rotated.token,
      rotated.signing_secret,
      server.adminToken,
      "linear-key-never-in-audit",
      "another-key-never-in-audit",
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it("filters by creation time", async () => {
    const newest = events[0]?.created_at;
    const after = await server.admin(
      "GET",
      `/api/v4/projects/${project.id}/workflows/audit_events?created_after=${encodeURIComponent(newest)}`,
    );
    const before = await server.admin(
      "GET",
      `/api/v4/projects/${project.id}/workflows/audit_events?created_before=2000-01-01T00:00:00Z`,
    );

    expect(after.status).toBe(200);
    expect(actions(after.body)).toContain("deleted trigger");
    expect(actions(after.body)).not.toContain("created project");
    expect(before.body).toEqual([]);
  });

  it("keeps each project's events apart", async () => {
    const other = await server.createProject("acme/quiet");

    const answer = await server.admin(
      "GET",
      `/api/v4/projects/${other.id}/workflows/audit_events`,
    );

    expect(actions(answer.body)).toEqual(["created project"]);
  });
});
