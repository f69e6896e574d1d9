import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

let server: TestServer;
let projectId: number;

beforeAll(async () => {
  server = await startTestServer({ env: { FLOWGATE_ROLE: "api" } });
  projectId = (await server.createProject("acme/edges")).id;
});
afterAll(async () => server.close());

async function refusedDeliveries() {
  await server.app.ingress.refusals.flush();
  const list = await server.admin(
    "GET",
    `/api/v4/projects/${projectId}/workflows/deliveries?outcome=refused`,
  );
  return list.body as Array<{ id: number; trigger_id: number | null }>;
}

describe("refusals at the edge", () => {
  it("keeps only a preview of a body from a sender who named no trigger", async () => {
    const big = JSON.stringify({
      title: "x".repeat(50_000),
      external_reference: "E-1",
    });
    const answer = await deliver(server, projectId, {
      body: big,
      headers: {
        "content-type": "application/json",
        "x-gitlab-token": "fgt_wrong",
      },
    });
    expect(answer.status).toBe(401);

    const [stored] = await refusedDeliveries();
    if (!stored) throw new Error("the refusal was not recorded");
    const one = await server.admin(
      "GET",
      `/api/v4/projects/${projectId}/workflows/deliveries/${stored.id}`,
    );
    expect(stored.trigger_id).toBeNull();
    expect(one.body.body.length).toBeLessThanOrEqual(2048);
    expect(big.startsWith(one.body.body)).toBe(true);
  });

  it("keeps the whole body when the sender named a trigger, for redelivery", async () => {
    const trigger = await server.createTrigger(projectId);
    const payload = { title: "y".repeat(50_000), external_reference: "E-2" };
    const signed = signGeneric(
      "whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==",
      payload,
      {
        token: trigger.token,
      },
    );
    expect((await deliver(server, projectId, signed)).status).toBe(401);

    const stored = (await refusedDeliveries()).find(
      (delivery) => delivery.trigger_id === trigger.id,
    );
    if (!stored) throw new Error("the refusal was not recorded");
    const one = await server.admin(
      "GET",
      `/api/v4/projects/${projectId}/workflows/deliveries/${stored.id}`,
    );
    expect(one.body.body).toBe(signed.body);
  });

  it("refuses a JSON body declared in another charset than UTF-8", async () => {
    const answer = await deliver(server, projectId, {
      body: "{}",
      headers: { "content-type": "application/json; charset=latin1" },
    });

    expect(answer.status).toBe(415);
    expect(answer.body.message).toMatch(/^415 /);
  });

  it("answers a malformed URL in GitLab's error shape", async () => {
    const response = await fetch(
      `${server.url}/api/v4/projects/%ff/workflows/trigger`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      },
    );

    expect(response.status).toBe(400);
    expect(Object.keys((await response.json()) as object)).toEqual(["message"]);
  });
});
