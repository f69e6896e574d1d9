import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

describe("a signed generic delivery", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  it("becomes a succeeded run with a draft merge request holding the plan", async () => {
    const project = await server.createProject();
    const trigger = await server.createTrigger(project.id);
    const answer = await deliver(
      server,
      project.id,
      signGeneric(
        trigger.signing_secret,
        { title: "Add OAuth login", external_reference: "PROJ-7" },
        { token: trigger.token },
      ),
    );
    expect(answer.status).toBe(202);
    const run = await server.waitForRun(project.id, answer.body.id);
    expect(run.status).toBe("succeeded");
    const file = await server.admin(
      "GET",
      `/api/v4/projects/${project.id}/repository/files/${encodeURIComponent("docs/plans/PROJ-7.md")}/raw?ref=${encodeURIComponent(String(run.branch))}`,
    );
    expect(file.status).toBe(200);
    expect(String(file.body)).toContain("Add OAuth login");
  });
});
