import { verifySlackRequest } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Refusal } from "../../src/ingress/refusal.ts";
import { slackSource } from "../../src/sources/slack/index.ts";
import {
  appMention,
  BOT_USER,
  slashCommand,
  urlVerification,
} from "../fakes/slack-payloads.ts";
import type { CreatedTrigger } from "../helpers/test-server.ts";
import {
  expectRecordedAsJoining,
  expectRecordedAsRetry,
} from "./delivery-log.ts";
import {
  type ProviderServer,
  slackHeaders,
  startProviderServer,
} from "./provider-server.ts";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

describe("Slack's published test vector", () => {
  const body =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
  const signature =
    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
  const delivery = (headers: Record<string, string>) => ({
    headers,
    rawBody: Buffer.from(body),
    receivedAt: new Date(),
  });
  const at = new Date(1531420618 * 1000);

  it("verifies at its own time and is refused 5 minutes and a second later", () => {
    const headers = {
      "x-slack-signature": signature,
      "x-slack-request-timestamp": "1531420618",
    };
    expect(() =>
      slackSource.verifySignature(delivery(headers), [SECRET], at),
    ).not.toThrow();
    const late = new Date(at.getTime() + 301_000);
    expect(() =>
      slackSource.verifySignature(delivery(headers), [SECRET], late),
    ).toThrow(Refusal);
  });

  it("signs test requests as Bolt's own verifier expects", () => {
    const signed = slashCommand("PROJ-1");
    const headers = slackHeaders(SECRET, signed, { form: true });
    expect(() =>
      verifySlackRequest({
        signingSecret: SECRET,
        body: signed,
        headers: {
          "x-slack-signature": headers["x-slack-signature"] as string,
          "x-slack-request-timestamp": Number(
            headers["x-slack-request-timestamp"],
          ),
        },
      }),
    ).not.toThrow();
  });
});

let stamps = 0;

/** An Events API delivery of one message: an app_mention, or the same
 * message as a message.channels event. Each new message gets its own ts,
 * which Slack gives every message in a channel. */
function messageEvent(
  text: string,
  options: {
    type?: "app_mention" | "message";
    ts?: string;
    user?: string;
  } = {},
) {
  const payload = appMention(text, undefined, options.user);
  const ts = options.ts ?? `1515449${600 + ++stamps}.000100`;
  const type = options.type ?? "app_mention";
  return {
    ...payload,
    event: {
      ...payload.event,
      type,
      ts,
      event_ts: ts,
      ...(type === "message" ? { channel_type: "channel" } : {}),
    },
  };
}

describe("Slack requests", () => {
  let fg: ProviderServer;
  let slack: CreatedTrigger;

  const command = (text: string, triggerId?: string) => {
    const body = slashCommand(text, triggerId);
    return fg.send(slack, slackHeaders(SECRET, body, { form: true }), body);
  };
  const event = (payload: unknown, extra: Record<string, string> = {}) => {
    const body = JSON.stringify(payload);
    return fg.send(slack, { ...slackHeaders(SECRET, body), ...extra }, body);
  };

  beforeAll(async () => {
    fg = await startProviderServer({ FLOWGATE_ROLE: "api" });
    slack = await fg.trigger("slack", {
      signing_secret: SECRET,
      bot_identity: BOT_USER,
    });
  });
  afterAll(async () => fg.close());

  it("echoes the url_verification challenge", async () => {
    const answer = await event(
      urlVerification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
    });
  });

  it("acknowledges /flowgate <key> <instructions> ephemerally with 200 and starts a run", async () => {
    const answer = await command("PROJ-77 add retries to the importer");
    expect(answer.status).toBe(200);
    expect(answer.body.response_type).toBe("ephemeral");
    expect(answer.body.text).toMatch(
      /^On it: Flowgate run \d+ is queued for PROJ-77/,
    );
    const run = await fg.stored(answer.body.id);
    expect(run.external_reference).toBe("PROJ-77");
    expect(run.external_system).toBe("slack");
    expect(run.title).toBe("add retries to the importer");
    expect(await fg.followUps(answer.body.id)).toEqual([
      { instruction: "add retries to the importer", author: "steve" },
    ]);

    const again = await command("PROJ-77 and log each retry");
    expect(again.body.text).toMatch(/already has Flowgate run/);
    expect(again.body).toMatchObject({ id: answer.body.id, duplicate: true });
  });

  it("takes the ticket from a URL and answers usage for an empty command", async () => {
    const answer = await command(
      "<https://github.com/acme/shop/issues/12|acme/shop#12> fix the typo",
    );
    const run = await fg.stored(answer.body.id);
    expect(run.external_reference).toBe("acme/shop#12");
    expect(run.external_url).toBe("https://github.com/acme/shop/issues/12");

    const empty = await command("");
    expect(empty.status).toBe(200);
    expect(empty.body.text).toMatch(/usage: \/flowgate/);
  });

  it("starts a run from an app mention and deduplicates Slack's retries by event_id", async () => {
    const payload = messageEvent(
      `<@${BOT_USER}> OPS-5 rotate the logs ünïcødé`,
    );
    const first = await event(payload);
    expect(first.status).toBe(200);
    const run = await fg.stored(first.body.id);
    expect(run.external_reference).toBe("OPS-5");
    expect(run.description).toBe("rotate the logs ünïcødé");

    const retry = await event(payload, {
      "x-slack-retry-num": "1",
      "x-slack-retry-reason": "http_timeout",
    });
    expect(retry.body).toMatchObject({ id: first.body.id, duplicate: true });
    await expectRecordedAsRetry(fg, slack.id, first.body.id);

    // Another message about the same ticket is a new delivery.
    const other = await event(
      messageEvent(`<@${BOT_USER}> OPS-5 and the archives`),
    );
    expect(other.body).toMatchObject({ id: first.body.id, duplicate: true });
    await expectRecordedAsJoining(fg, slack.id, first.body.id);
  });

  it("reads only the first word as the ticket: a key later in the text is part of the instruction", async () => {
    const answer = await command("add SHA-256 checksums to the export");
    expect(answer.status).toBe(200);
    const run = await fg.stored(answer.body.id);
    expect(run.external_reference).toMatch(/^slack:T0ACME01:/);
    expect(run.title).toBe("add SHA-256 checksums to the export");
    expect(await fg.runs("SHA-256")).toEqual([]);

    const linked = await command(
      "https://acme.atlassian.net/browse/OPS-32 fix the export",
    );
    const linkedRun = await fg.stored(linked.body.id);
    expect(linkedRun.external_reference).toBe("OPS-32");
    expect(linkedRun.external_url).toBe(
      "https://acme.atlassian.net/browse/OPS-32",
    );
    expect(linkedRun.title).toBe("fix the export");

    const keyed = await command("OPS-31 compare with OPS-30");
    const keyedRun = await fg.stored(keyed.body.id);
    expect(keyedRun.external_reference).toBe("OPS-31");
    expect(keyedRun.title).toBe("compare with OPS-30");
  });

  it("takes the trigger's text mention out in any case, as it detects it", async () => {
    const answer = await event(
      messageEvent("@Flowgate OPS-40 tidy up", { type: "message" }),
    );
    expect(answer.status).toBe(200);
    const run = await fg.stored(answer.body.id);
    expect(run.external_reference).toBe("OPS-40");
    expect(await fg.followUps(answer.body.id)).toEqual([
      { instruction: "tidy up", author: "U061F7AUR" },
    ]);

    const unmentioned = await event(
      messageEvent("OPS-41 tidy up", { type: "message" }),
    );
    expect(unmentioned.body).toEqual({
      status: "ignored",
      reason: "the message does not mention Flowgate",
    });
  });

  it("counts a mention delivered as app_mention and as message.channels once", async () => {
    const text = `<@${BOT_USER}> OPS-50 add the index`;
    const mention = messageEvent(text);
    const first = await event(mention);
    expect(first.status).toBe(200);
    expect((await fg.stored(first.body.id)).external_reference).toBe("OPS-50");

    // The same message, as the channel subscription sees it.
    const twin = await event(
      messageEvent(text, { type: "message", ts: mention.event.ts }),
    );
    expect(twin.body).toMatchObject({ id: first.body.id, duplicate: true });
    await expectRecordedAsRetry(fg, slack.id, first.body.id);
    expect(await fg.followUps(first.body.id)).toEqual([
      { instruction: "add the index", author: "U061F7AUR" },
    ]);
  });

  it("ignores the bot's own messages and stops a run on request", async () => {
    const own = await event(
      messageEvent(`<@${BOT_USER}> OPS-6 hello`, { user: BOT_USER }),
    );
    expect(own.body.reason).toMatch(/bot identity/);

    const started = await command("OPS-7 build it");
    const stop = await command("OPS-7 stop");
    expect(stop.body.text).toMatch(/^Stopped Flowgate run/);
    expect(stop.body).toMatchObject({
      id: started.body.id,
      status: "canceled",
    });
  });

  it("refuses tampering, a wrong secret, no signature, re-encoding and a stale timestamp with 401", async () => {
    const body = slashCommand("PROJ-88 go");
    const headers = slackHeaders(SECRET, body, { form: true });
    expect(
      (await fg.send(slack, headers, body.replace("go", "no"))).status,
    ).toBe(401);
    expect(
      (
        await fg.send(
          slack,
          slackHeaders("wrong-secret-000000", body, { form: true }),
          body,
        )
      ).status,
    ).toBe(401);
    const { "x-slack-signature": _s, ...unsigned } = headers;
    expect((await fg.send(slack, unsigned, body)).status).toBe(401);
    // The same fields, encoded again with spaces as %20 instead of +.
    const reencoded = body.replace(/\+/g, "%20");
    expect((await fg.send(slack, headers, reencoded)).status).toBe(401);
    const stale = slackHeaders(SECRET, body, {
      form: true,
      timestamp: Math.floor(Date.now() / 1000) - 301,
    });
    expect((await fg.send(slack, stale, body)).status).toBe(401);

    const shouted = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [
        name.toUpperCase(),
        value,
      ]),
    );
    expect((await fg.send(slack, shouted, body)).status).toBe(200);
  });
});
