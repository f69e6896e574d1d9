import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Refusal } from "../../src/ingress/refusal.ts";
import { verifyStandardWebhook } from "../../src/sources/standard-webhooks.ts";
import {
  type CreatedTrigger,
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";
import { genericUrl, post, triggerUrl } from "./raw-requests.ts";

const MINUTE_MS = 60_000;

let tickets = 0;
/** A valid generic body for a ticket no other test uses. */
function ticket() {
  tickets += 1;
  return {
    title: `Ticket number ${tickets}`,
    external_reference: `AUTH-${tickets}`,
  };
}

describe("trigger authentication modes and rotation", () => {
  let server: TestServer;
  let project: { id: number };
  let trigger: CreatedTrigger;

  beforeAll(async () => {
    server = await startTestServer({
      env: { FLOWGATE_AUTH_FAILURES_PER_MINUTE: "10000", FLOWGATE_ROLE: "api" },
    });
    project = await server.createProject();
    trigger = await server.createTrigger(project.id);
  });
  afterAll(async () => server.close());

  describe("token-only and token+signature triggers", () => {
    it("accepts a token-only trigger's delivery without any signature", async () => {
      const tokenOnly = await server.createTrigger(project.id, {
        auth: "token",
      });
      const body = JSON.stringify(ticket());
      const viaHeader = await post(
        server,
        genericUrl(project.id),
        {
          "content-type": "application/json",
          "x-gitlab-token": tokenOnly.token,
        },
        body,
      );
      expect(viaHeader.status).toBe(202);

      const viaBearer = await post(
        server,
        triggerUrl(project.id, tokenOnly.id),
        {
          "content-type": "application/json",
          authorization: `Bearer ${tokenOnly.token}`,
        },
        JSON.stringify(ticket()),
      );
      expect(viaBearer.status).toBe(202);

      const noToken = await post(
        server,
        triggerUrl(project.id, tokenOnly.id),
        { "content-type": "application/json" },
        JSON.stringify(ticket()),
      );
      expect(noToken.status).toBe(401);
    });

    it("needs both the token and the signature on a token+signature trigger", async () => {
      const both = await server.createTrigger(project.id, {
        auth: "token+signature",
      });
      const url = triggerUrl(project.id, both.id);

      const signedOnly = await deliver(
        server,
        project.id,
        signGeneric(both.signing_secret, ticket()),
        url,
      );
      expect(signedOnly.status).toBe(401);

      const tokenOnly = await post(
        server,
        url,
        { "content-type": "application/json", "x-gitlab-token": both.token },
        JSON.stringify(ticket()),
      );
      expect(tokenOnly.status).toBe(401);

      const wrongToken = await deliver(
        server,
        project.id,
        signGeneric(both.signing_secret, ticket(), { token: trigger.token }),
        url,
      );
      expect(wrongToken.status).toBe(401);

      const complete = await deliver(
        server,
        project.id,
        signGeneric(both.signing_secret, ticket(), { token: both.token }),
        url,
      );
      expect(complete.status).toBe(202);
    });

    it("accepts a signature alone at a signature trigger's own URL", async () => {
      const answer = await deliver(
        server,
        project.id,
        signGeneric(trigger.signing_secret, ticket()),
        triggerUrl(project.id, trigger.id),
      );
      expect(answer.status).toBe(202);
      const run = await server.admin(
        "GET",
        `/api/v4/projects/${project.id}/workflows/runs/${answer.body.id}`,
      );
      expect(run.body.trigger_id).toBe(trigger.id);
    });
  });

  describe("rotation", () => {
    const rotate = async (triggerId: number, body: unknown = {}) => {
      const rotated = await server.admin(
        "POST",
        `/api/v4/projects/${project.id}/workflows/triggers/${triggerId}/rotate`,
        body,
      );
      expect(rotated.status).toBe(200);
      return rotated.body as CreatedTrigger;
    };
    const sendWith = (token: string, secret: string) =>
      deliver(server, project.id, signGeneric(secret, ticket(), { token }));

    it("keeps the old token and secret working during the grace period", async () => {
      const original = await server.createTrigger(project.id);
      const rotated = await rotate(original.id);

      expect(rotated.token).not.toBe(original.token);
      expect(rotated.signing_secret).not.toBe(original.signing_secret);
      const old = await sendWith(original.token, original.signing_secret);
      expect(old.status).toBe(202);
      const fresh = await sendWith(rotated.token, rotated.signing_secret);
      expect(fresh.status).toBe(202);
      const mixed = await sendWith(rotated.token, original.signing_secret);
      expect(mixed.status).toBe(202);
    });

    it("stops the old token and secret at once with grace_period_s 0", async () => {
      const original = await server.createTrigger(project.id);
      const rotated = await rotate(original.id, { grace_period_s: 0 });

      const oldToken = await sendWith(original.token, rotated.signing_secret);
      expect(oldToken.status).toBe(401);
      const oldSecret = await sendWith(rotated.token, original.signing_secret);
      expect(oldSecret.status).toBe(401);
      const oldAtItsUrl = await deliver(
        server,
        project.id,
        signGeneric(original.signing_secret, ticket()),
        triggerUrl(project.id, original.id),
      );
      expect(oldAtItsUrl.status).toBe(401);
      const fresh = await sendWith(rotated.token, rotated.signing_secret);
      expect(fresh.status).toBe(202);
    });
  });
});

describe("the Standard Webhooks test vector (PROVIDERS.md)", () => {
  const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const timestamp = 1614265330;
  const frozenNow = new Date(timestamp * 1000);
  const delivery = (body: string, signature: string) => ({
    headers: {
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signature,
    },
    rawBody: Buffer.from(body),
    receivedAt: frozenNow,
  });
  const expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
  const refusalOf = (work: () => void) => {
    try {
      work();
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it("verifies the published signature at the frozen time", () => {
    expect(() =>
      verifyStandardWebhook(
        delivery('{"test": 2432232314}', expected),
        [secret],
        frozenNow,
      ),
    ).not.toThrow();
  });

  it("matches what the reference package signs", () => {
    const reference = signGeneric(secret, '{"test": 2432232314}', {
      id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
      timestamp: frozenNow,
    });
    expect(reference.headers["webhook-signature"]).toBe(expected);
  });

  it("finds the signature among several, skipping other versions", () => {
    expect(() =>
      verifyStandardWebhook(
        delivery('{"test": 2432232314}', `v2,abc v1,AAAA ${expected}`),
        ["whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", secret],
        frozenNow,
      ),
    ).not.toThrow();
  });

  it("refuses the vector with a changed body or a wrong secret", () => {
    for (const [body, secrets] of [
      ['{"test": 2432232315}', [secret]],
      ['{"test": 2432232314}', ["whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]],
      ['{"test": 2432232314}', []],
    ] as const) {
      const error = refusalOf(() =>
        verifyStandardWebhook(delivery(body, expected), secrets, frozenNow),
      );
      expect(error).toBeInstanceOf(Refusal);
      expect(error).toMatchObject({ status: 401, message: "401 Unauthorized" });
    }
  });

  it("refuses the vector once the clock is more than 5 minutes past it", () => {
    const later = new Date(frozenNow.getTime() + 5 * MINUTE_MS + 1_000);
    const error = refusalOf(() =>
      verifyStandardWebhook(
        delivery('{"test": 2432232314}', expected),
        [secret],
        later,
      ),
    );
    expect(error).toMatchObject({
      status: 401,
      message: expect.stringMatching(/timestamp/),
    });
    const inside = new Date(frozenNow.getTime() + 5 * MINUTE_MS - 1_000);
    expect(() =>
      verifyStandardWebhook(
        delivery('{"test": 2432232314}', expected),
        [secret],
        inside,
      ),
    ).not.toThrow();
  });
});
