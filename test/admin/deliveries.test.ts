import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CreatedTrigger,
  deliver,
  type JsonResponse,
  type SignedRequest,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

let server: TestServer;
let projectId: number;
let trigger: CreatedTrigger;
let deliveries: string;

let accepted: JsonResponse;
let badSignature: SignedRequest;
let noToken: JsonResponse;
let invalid: JsonResponse;

function ticket(externalReference: string) {
  return {
    title: `Ticket ${externalReference}`,
    external_reference: externalReference,
  };
}

beforeAll(async () => {
  // api only: the runs these deliveries make need not be worked on.
  server = await startTestServer({ env: { FLOWGATE_ROLE: "api" } });
  projectId = (await server.createProject("acme/deliveries")).id;
  trigger = await server.createTrigger(projectId);
  deliveries = `/api/v4/projects/${projectId}/workflows/deliveries`;

  accepted = await deliver(
    server,
    projectId,
    signGeneric(trigger.signing_secret, ticket("DEL-1"), {
      token: trigger.token,
      id: "msg_accepted",
    }),
  );
  // The right token, but signed with a secret that is not the trigger's.
  badSignature = signGeneric(
    "whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==",
    ticket("DEL-2"),
    { token: trigger.token, id: "msg_bad_signature" },
  );
  expect((await deliver(server, projectId, badSignature)).status).toBe(401);
  noToken = await deliver(
    server,
    projectId,
    signGeneric(trigger.signing_secret, ticket("DEL-3")),
  );
  invalid = await deliver(
    server,
    projectId,
    signGeneric(
      trigger.signing_secret,
      { external_reference: "DEL-4" },
      { token: trigger.token },
    ),
  );
  await server.app.ingress.refusals.flush();
});
afterAll(async () => server.close());

async function listed(query = "") {
  const answer = await server.admin("GET", `${deliveries}${query}`);
  expect(answer.status).toBe(200);
  return answer.body as Array<Record<string, any>>;
}

async function firstAccepted() {
  const all = await listed("?outcome=accepted");
  const found = all.find((delivery) => delivery.run_id === accepted.body.id);
  if (!found) throw new Error("the accepted delivery was not recorded");
  return found;
}

async function refusedWithSignature() {
  const all = await listed("?outcome=refused");
  const found = all.find(
    (delivery) => delivery.headers["webhook-id"] === "msg_bad_signature",
  );
  if (!found) throw new Error("the bad-signature delivery was not recorded");
  return found;
}

describe("GET …/workflows/deliveries", () => {
  it("lists accepted and refused deliveries, newest first, with reasons", async () => {
    expect(accepted.status).toBe(202);
    expect(noToken.status).toBe(401);
    expect(invalid.status).toBe(400);

    const all = await listed();

    expect(all.map((delivery) => delivery.outcome)).toEqual([
      "refused",
      "refused",
      "refused",
      "accepted",
    ]);
    const ids = all.map((delivery) => delivery.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    expect(all[3]).toMatchObject({
      status_code: 202,
      run_id: accepted.body.id,
      trigger_id: trigger.id,
      reason: null,
    });
    const reasons = all.slice(0, 3).map((delivery) => delivery.reason);
    expect(reasons).toEqual([
      expect.stringMatching(/^schema: 400 /),
      expect.stringMatching(/^token missing: 401 /),
      expect.stringMatching(/^signature mismatch: 401 /),
    ]);
    expect(all.slice(0, 3).map((delivery) => delivery.status_code)).toEqual([
      400, 401, 401,
    ]);
    expect(all[0]).not.toHaveProperty("body");
  });

  it("names the trigger of a delivery whose token was right but signature wrong", async () => {
    const refused = await refusedWithSignature();

    expect(refused.trigger_id).toBe(trigger.id);
  });

  it("filters by outcome", async () => {
    const onlyAccepted = await listed("?outcome=accepted");

    expect(onlyAccepted.map((delivery) => delivery.outcome)).toEqual([
      "accepted",
    ]);
    expect(
      (await server.admin("GET", `${deliveries}?outcome=lost`)).status,
    ).toBe(400);
  });
});

describe("GET …/workflows/deliveries/:delivery_id", () => {
  it("shows the body and the headers with every secret masked", async () => {
    const refused = await refusedWithSignature();

    const one = await server.admin("GET", `${deliveries}/${refused.id}`);

    expect(one.status).toBe(200);
    expect(one.body.body).toBe(badSignature.body);
    expect(one.body.headers).toMatchObject({
      "webhook-id": "msg_bad_signature",
      "webhook-signature": "[masked]",
      "x-gitlab-token": "[masked]",
      "content-type": "application/json",
    });
    const text = JSON.stringify(one.body);
    expect(text).not.toContain(trigger.token);
    expect(text).not.toContain(
      badSignature.headers["webhook-signature"]?.slice(3),
    );
  });

  it("never stores the token or the signature of an accepted delivery", async () => {
    const delivery = await firstAccepted();

    const one = await server.admin("GET", `${deliveries}/${delivery.id}`);

    const text = JSON.stringify(one.body);
    expect(text).not.toContain(trigger.token);
    expect(text).not.toContain(trigger.signing_secret);
    expect(one.body.headers["webhook-signature"]).toBe("[masked]");
  });

  it("answers 404 for an unknown delivery", async () => {
    const answer = await server.admin("GET", `${deliveries}/999999`);

    expect(answer.status).toBe(404);
  });
});

describe("POST …/workflows/deliveries/:delivery_id/redeliver", () => {
  it("admits a delivery refused for its signature as a new run", async () => {
    const refused = await refusedWithSignature();

    const answer = await server.admin(
      "POST",
      `${deliveries}/${refused.id}/redeliver`,
    );

    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({
      status: "queued",
      external_reference: "DEL-2",
    });
    const run = await server.admin(
      "GET",
      `/api/v4/projects/${projectId}/workflows/runs/${answer.body.id}`,
    );
    expect(run.body).toMatchObject({ status: "queued", title: "Ticket DEL-2" });
  });

  it("answers an accepted delivery's redelivery as a duplicate of its run", async () => {
    const delivery = await firstAccepted();

    const answer = await server.admin(
      "POST",
      `${deliveries}/${delivery.id}/redeliver`,
    );

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      id: accepted.body.id,
      duplicate: true,
    });
  });

  it("records the redelivery in the audit log", async () => {
    const refused = await refusedWithSignature();
    await server.admin("POST", `${deliveries}/${refused.id}/redeliver`);

    const audit = await server.admin(
      "GET",
      `/api/v4/projects/${projectId}/workflows/audit_events?per_page=100`,
    );

    const actions = audit.body.map(
      (event: { details: { custom_message: string } }) =>
        event.details.custom_message,
    );
    expect(actions).toContain("redelivered delivery");
  });

  it("refuses to redeliver to a disabled trigger", async () => {
    const triggerUrl = `/api/v4/projects/${projectId}/workflows/triggers/${trigger.id}`;
    const refused = await deliver(
      server,
      projectId,
      signGeneric(
        "whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==",
        ticket("DEL-9"),
        {
          token: trigger.token,
          id: "msg_disabled_later",
        },
      ),
    );
    expect(refused.status).toBe(401);
    await server.app.ingress.refusals.flush();
    const stored = (await listed("?outcome=refused")).find(
      (delivery) =>
        String(delivery.delivery_key ?? "").length === 0 &&
        delivery.reason?.includes("signature"),
    );
    if (!stored) throw new Error("the refused delivery was not recorded");

    await server.admin("PATCH", triggerUrl, { enabled: false });
    const whileDisabled = await server.admin(
      "POST",
      `${deliveries}/${stored.id}/redeliver`,
    );
    await server.admin("PATCH", triggerUrl, { enabled: true });

    expect(whileDisabled.status).toBe(403);
    expect(whileDisabled.body.message).toContain("disabled");
  });

  it("answers 404 for an unknown delivery", async () => {
    const answer = await server.admin("POST", `${deliveries}/999999/redeliver`);

    expect(answer.status).toBe(404);
  });
});
