import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueCreated } from "../fakes/jira-payloads.ts";
import type { CreatedTrigger } from "../helpers/test-server.ts";
import {
  expectRecordedAsJoining,
  expectRecordedAsRetry,
} from "./delivery-log.ts";
import {
  jiraHeaders,
  type ProviderServer,
  startProviderServer,
} from "./provider-server.ts";

/** Data Center names users by `name` and `key`, writes wiki text, and
 * may send no X-Atlassian-Webhook-Identifier. */
const dcUser = {
  self: "https://jira.acme.internal/rest/api/2/user?username=mkrystof",
  name: "mkrystof",
  key: "JIRAUSER10100",
  emailAddress: "mia@acme.test",
  displayName: "Mia Krystof",
  active: true,
};

function dcIssueCreated(key: string, user = dcUser) {
  const payload = issueCreated({
    key,
    summary: "Résumé upload keeps the file name",
    description:
      "Keep the original name.\n\nh3. Acceptance criteria\n* Name kept\n* Umlauts kept: äöü",
    labels: ["flowgate"],
  });
  payload.issue.self = `https://jira.acme.internal/rest/api/2/issue/${payload.issue.id}`;
  return { ...payload, user: { ...user, accountId: undefined } };
}

describe("Jira Data Center deliveries", () => {
  let fg: ProviderServer;
  let dc: CreatedTrigger;

  beforeAll(async () => {
    fg = await startProviderServer({ FLOWGATE_ROLE: "api" });
    dc = await fg.trigger("jira_dc", {
      label: "flowgate",
      bot_identity: "flowgate-bot",
    });
  });
  afterAll(async () => fg.close());

  it("reaches a run with the browse URL of the server, wiki text as Markdown and the criteria section", async () => {
    const body = JSON.stringify(dcIssueCreated("OPS-1"));
    const answer = await fg.send(
      dc,
      await jiraHeaders(dc.signing_secret, body, null),
      body,
    );
    expect(answer.status).toBe(202);
    const run = await fg.stored(answer.body.id);
    expect(run.external_system).toBe("jira_dc");
    expect(run.external_url).toBe("https://jira.acme.internal/browse/OPS-1");
    expect(run.description).toBe(
      "Keep the original name.\n\n### Acceptance criteria\n- Name kept\n- Umlauts kept: äöü",
    );
    expect(run.context.acceptance_criteria).toEqual([
      "Name kept",
      "Umlauts kept: äöü",
    ]);
  });

  it("deduplicates a resent delivery without an identifier by its body", async () => {
    const body = JSON.stringify(dcIssueCreated("OPS-2"));
    const first = await fg.send(
      dc,
      await jiraHeaders(dc.signing_secret, body, null),
      body,
    );
    const again = await fg.send(
      dc,
      await jiraHeaders(dc.signing_secret, body, null),
      body,
    );
    expect(again.body).toMatchObject({ id: first.body.id, duplicate: true });
    const logged = await expectRecordedAsRetry(fg, dc.id, first.body.id);
    expect(logged.delivery_key).toMatch(/^sha256:[0-9a-f]{64}$/);

    // Another event for the same issue is another body, so a new delivery.
    const edited = JSON.stringify({
      ...JSON.parse(body),
      timestamp: Date.now() + 1,
    });
    const other = await fg.send(
      dc,
      await jiraHeaders(dc.signing_secret, edited, null),
      edited,
    );
    expect(other.body).toMatchObject({ id: first.body.id, duplicate: true });
    const joined = await expectRecordedAsJoining(fg, dc.id, first.body.id);
    expect(joined.delivery_key).not.toBe(logged.delivery_key);
  });

  it("refuses tampering, a wrong secret, no signature and a re-serialized body with 401", async () => {
    const body = JSON.stringify(dcIssueCreated("OPS-3"));
    const headers = await jiraHeaders(dc.signing_secret, body, null);
    expect(
      (await fg.send(dc, headers, body.replace("OPS-3", "OPS-4"))).status,
    ).toBe(401);
    expect(
      (await fg.send(dc, await jiraHeaders("wrong", body), body)).status,
    ).toBe(401);
    expect(
      (await fg.send(dc, { "content-type": "application/json" }, body)).status,
    ).toBe(401);
    expect(
      (await fg.send(dc, headers, JSON.stringify(JSON.parse(body), null, 4)))
        .status,
    ).toBe(401);
  });

  it("accepts header names in any case", async () => {
    const body = JSON.stringify(dcIssueCreated("OPS-7"));
    const headers = await jiraHeaders(dc.signing_secret, body, null);
    const shouted = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [
        name.toUpperCase(),
        value,
      ]),
    );
    expect(Object.keys(shouted)).toContain("X-HUB-SIGNATURE");
    const answer = await fg.send(dc, shouted, body);
    expect(answer.status).toBe(202);
    expect(answer.body.external_reference).toBe("OPS-7");
  });

  it("recognizes the bot by its user name", async () => {
    const body = JSON.stringify(
      dcIssueCreated("OPS-5", { ...dcUser, name: "flowgate-bot" }),
    );
    const answer = await fg.send(
      dc,
      await jiraHeaders(dc.signing_secret, body),
      body,
    );
    expect(answer.body.reason).toMatch(/bot identity flowgate-bot/);
  });

  it("takes the token as the password of Basic credentials on a token-only trigger", async () => {
    const basic = await fg.trigger("jira_dc", {
      auth: "token",
      label: "flowgate",
    });
    const body = JSON.stringify(dcIssueCreated("OPS-6"));
    const credentials = Buffer.from(`jira:${basic.token}`).toString("base64");
    const answer = await fg.send(
      basic,
      {
        "content-type": "application/json",
        authorization: `Basic ${credentials}`,
      },
      body,
    );
    expect(answer.status).toBe(202);
  });
});
