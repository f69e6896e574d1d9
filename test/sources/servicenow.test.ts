import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { incident } from "../fakes/servicenow-payloads.ts";
import type { CreatedTrigger } from "../helpers/test-server.ts";
import {
  expectRecordedAsJoining,
  expectRecordedAsRetry,
} from "./delivery-log.ts";
import {
  type ProviderServer,
  standardHeaders,
  startProviderServer,
} from "./provider-server.ts";

/** The start of the body's SHA-256, as the delivery id carries it. */
const bodyDigest = (payload: unknown) =>
  createHash("sha256")
    .update(JSON.stringify(payload))
    .digest("hex")
    .slice(0, 32);

describe("ServiceNow deliveries", () => {
  let fg: ProviderServer;
  let now: CreatedTrigger;
  let numbers = 10_000;
  const number = () => `INC00${++numbers}`;

  const basic = (token: string) =>
    `Basic ${Buffer.from(`flowgate:${token}`).toString("base64")}`;
  const deliver = (payload: unknown, trigger = now) =>
    fg.send(
      trigger,
      {
        "content-type": "application/json",
        authorization: basic(trigger.token),
      },
      JSON.stringify(payload),
    );

  beforeAll(async () => {
    fg = await startProviderServer({ FLOWGATE_ROLE: "api" });
    now = await fg.trigger("servicenow", {
      label: "",
      start_status: "Assigned to AI",
      bot_identity: "flowgate.integration",
    });
  });
  afterAll(async () => fg.close());

  it("makes token-only triggers by default and reads the recommended body", async () => {
    const view = await fg.server.admin(
      "GET",
      `/api/v4/projects/${fg.projectId}/workflows/triggers/${now.id}`,
    );
    expect(view.body.auth).toBe("token");

    const ref = number();
    const answer = await deliver(incident({ number: ref }));
    expect(answer.status).toBe(202);
    const run = await fg.stored(answer.body.id);
    expect(run.external_reference).toBe(ref);
    expect(run.external_url).toMatch(
      /^https:\/\/acme\.service-now\.com\/nav_to\.do\?uri=incident\.do\?sys_id=[0-9a-f]{32}$/,
    );
    expect(run.title).toBe(`Email server down for ${ref} — überall`);
    expect(run.context.acceptance_criteria).toEqual([
      "Mail flows",
      "Alert closes",
    ]);
    expect(run.context).toMatchObject({
      priority: "2 - High",
      assignee: "Beth Anglin",
    });
  });

  it("accepts the token as Bearer and refuses a missing or wrong token with 401", async () => {
    const body = JSON.stringify(incident({ number: number() }));
    const bearer = await fg.send(
      now,
      {
        "content-type": "application/json",
        Authorization: `Bearer ${now.token}`,
      },
      body,
    );
    expect(bearer.status).toBe(202);
    const none = await fg.send(
      now,
      { "content-type": "application/json" },
      body,
    );
    expect(none.status).toBe(401);
    const wrong = await fg.send(
      now,
      {
        "content-type": "application/json",
        authorization: basic("not-the-token-at-all"),
      },
      body,
    );
    expect(wrong.status).toBe(401);
  });

  it("checks a Standard Webhooks signature on a token+signature trigger", async () => {
    const signed = await fg.trigger("servicenow", {
      auth: "token+signature",
      label: "",
    });
    const body = JSON.stringify(incident({ number: number() }));
    const headers = {
      ...standardHeaders(signed.signing_secret, body),
      authorization: basic(signed.token),
    };
    expect((await fg.send(signed, headers, `${body}\n`)).status).toBe(401);
    expect(
      (
        await fg.send(
          signed,
          headers,
          JSON.stringify(JSON.parse(body), null, 2),
        )
      ).status,
    ).toBe(401);
    const { "webhook-signature": _s, ...unsigned } = headers;
    expect((await fg.send(signed, unsigned, body)).status).toBe(401);

    // The right token, signed with a secret that is not the trigger's.
    const otherSecret = `whsec_${Buffer.from("another secret, 24 bytes").toString("base64")}`;
    const wrongSecret = {
      ...standardHeaders(otherSecret, body),
      authorization: basic(signed.token),
    };
    const refused = await fg.send(signed, wrongSecret, body);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ message: "401 Unauthorized" });
    expect((await fg.lastDelivery(signed.id)).reason).toMatch(
      /^signature mismatch: /,
    );

    expect((await fg.send(signed, headers, body)).status).toBe(202);
  });

  it("accepts header names in any case", async () => {
    const signed = await fg.trigger("servicenow", {
      auth: "token+signature",
      label: "",
    });
    const body = JSON.stringify(incident({ number: number() }));
    const headers = {
      ...standardHeaders(signed.signing_secret, body),
      authorization: basic(signed.token),
    };
    const shouted = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [
        name.toUpperCase(),
        value,
      ]),
    );
    expect((await fg.send(signed, shouted, body)).status).toBe(202);
  });

  it("reads a body without instance_url or description: no ticket URL, an empty description", async () => {
    const ref = number();
    const {
      instance_url: _url,
      description: _description,
      ...payload
    } = incident({ number: ref });
    const answer = await deliver(payload);
    expect(answer.status).toBe(202);
    const run = await fg.stored(answer.body.id);
    expect(run.external_reference).toBe(ref);
    expect(run.external_url).toBeNull();
    expect(run.description).toBe("");
    expect(run.context.acceptance_criteria).toEqual([]);

    const nulls = await deliver({
      ...incident({ number: number() }),
      instance_url: null,
      description: null,
    });
    expect(nulls.status).toBe(202);
    expect((await fg.stored(nulls.body.id)).external_url).toBeNull();
  });

  it("keeps two different comments made in the same second apart", async () => {
    const ref = number();
    const started = await deliver(incident({ number: ref }));
    const comment = (text: string) => ({
      ...incident({ number: ref, event: "update", comment: text }),
      sys_updated_on: "2026-12-03 10:15:07",
    });
    const first = await deliver(comment("@flowgate check the MX records"));
    const next = await deliver(comment("@flowgate and the SPF record"));
    expect(first.body).toMatchObject({ id: started.body.id, duplicate: true });
    expect(next.body).toMatchObject({ id: started.body.id, duplicate: true });
    await expectRecordedAsJoining(fg, now.id, started.body.id);
    expect(await fg.followUps(started.body.id)).toEqual([
      { instruction: "check the MX records", author: "Abel Tuter" },
      { instruction: "and the SPF record", author: "Abel Tuter" },
    ]);

    // The first comment's message resent is still a retry.
    await deliver(comment("@flowgate check the MX records"));
    await expectRecordedAsRetry(fg, now.id, started.body.id);
    expect(await fg.followUps(started.body.id)).toHaveLength(2);
  });

  it("accepts the generic body too", async () => {
    const answer = await deliver({
      title: "Printer on floor 3 jams",
      external_reference: "INC0099999",
      context: { acceptance_criteria: ["Prints"] },
    });
    expect(answer.status).toBe(202);
    expect((await fg.stored(answer.body.id)).external_system).toBe(
      "servicenow",
    );
  });

  it("deduplicates a resent message by sys_id and sys_updated_on", async () => {
    const payload = incident({ number: number() });
    const first = await deliver(payload);
    const again = await deliver(payload);
    expect(first.status).toBe(202);
    expect(again.body).toMatchObject({ id: first.body.id, duplicate: true });
    const logged = await expectRecordedAsRetry(fg, now.id, first.body.id);
    expect(logged.delivery_key).toBe(
      `id:${payload.sys_id}@${payload.sys_updated_on}#${bodyDigest(payload)}`,
    );

    // The record changed again: a later sys_updated_on is a new delivery.
    const later = { ...payload, sys_updated_on: "2026-12-03 11:30:01" };
    const other = await deliver(later);
    expect(other.body).toMatchObject({ id: first.body.id, duplicate: true });
    await expectRecordedAsJoining(fg, now.id, first.body.id);
  });

  it("starts on a move into the start status, follows up on a mention, ignores the integration user and cancels when resolved", async () => {
    const ref = number();
    const moved = await deliver(
      incident({
        number: ref,
        event: "update",
        state: "Assigned to AI",
        previousState: "New",
      }),
    );
    expect(moved.status).toBe(202);

    const comment = await deliver(
      incident({
        number: ref,
        event: "update",
        comment: "@flowgate check the MX records",
      }),
    );
    expect(comment.body).toMatchObject({ id: moved.body.id, duplicate: true });
    expect(await fg.followUps(moved.body.id)).toEqual([
      { instruction: "check the MX records", author: "Abel Tuter" },
    ]);

    const own = await deliver(
      incident({
        number: ref,
        event: "update",
        comment: "@flowgate done",
        updatedBy: "flowgate.integration",
      }),
    );
    expect(own.body.reason).toMatch(/bot identity/);

    const resolved = await deliver(
      incident({
        number: ref,
        event: "update",
        state: "Resolved",
        previousState: "In Progress",
      }),
    );
    expect(resolved.body).toMatchObject({ id: moved.body.id, canceled: true });
  });
});
