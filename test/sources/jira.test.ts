import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adf,
  botUser,
  bulletList,
  commentCreated,
  heading,
  issueCreated,
  issueDeleted,
  issueUpdated,
  mention,
  paragraph,
  text,
} from "../fakes/jira-payloads.ts";
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

const CRITERIA_FIELD = "customfield_10042";

describe("Jira Cloud deliveries", () => {
  let fg: ProviderServer;
  let jira: CreatedTrigger;
  let keys = 0;
  const key = () => `SHOP-${++keys}`;

  const deliver = async (
    payload: unknown,
    options: { trigger?: CreatedTrigger; identifier?: string } = {},
  ) => {
    const trigger = options.trigger ?? jira;
    const body = JSON.stringify(payload);
    return fg.send(
      trigger,
      await jiraHeaders(trigger.signing_secret, body, options.identifier),
      body,
    );
  };

  beforeAll(async () => {
    // No worker: runs stay queued, so follow-ups and cancels find them.
    fg = await startProviderServer({ FLOWGATE_ROLE: "api" });
    jira = await fg.trigger("jira", {
      label: "flowgate",
      start_status: "Ready for AI",
      bot_identity: botUser.accountId,
      acceptance_criteria_field: CRITERIA_FIELD,
    });
  });
  afterAll(async () => fg.close());

  describe("normalization", () => {
    it("turns a created issue with wiki text into a run with its reference, Markdown and criteria field", async () => {
      const issue = key();
      const answer = await deliver(
        issueCreated({
          key: issue,
          summary: "Rechnungen als PDF exportieren – schnell ⚡",
          description:
            "h2. Context\nCustomers need *PDF* exports of {{invoices}}.\n# first step\n# second step\nSee [the spec|https://wiki.acme.test/pdf].",
          labels: ["flowgate", "billing"],
          fields: {
            [CRITERIA_FIELD]: "* A PDF downloads\n* Totals match",
          },
        }),
      );
      expect(answer.status).toBe(202);
      expect(answer.body.external_reference).toBe(issue);

      const run = await fg.stored(answer.body.id);
      expect(run.external_url).toBe(
        `https://acme.atlassian.net/browse/${issue}`,
      );
      expect(run.external_system).toBe("jira");
      expect(run.title).toBe("Rechnungen als PDF exportieren – schnell ⚡");
      expect(run.description).toBe(
        "## Context\nCustomers need **PDF** exports of `invoices`.\n1. first step\n1. second step\nSee [the spec](https://wiki.acme.test/pdf).",
      );
      expect(run.context.acceptance_criteria).toEqual([
        "A PDF downloads",
        "Totals match",
      ]);
      expect(run.context).toMatchObject({
        priority: "High",
        labels: ["flowgate", "billing"],
        status: "To Do",
        reporter: "Mia Krystof",
        event_kind: "jira:issue_created/issue_created",
      });
    });

    it("reads an ADF description and takes criteria from its Acceptance criteria section", async () => {
      const issue = key();
      const answer = await deliver(
        issueCreated({
          key: issue,
          labels: ["flowgate"],
          description: adf(
            paragraph(text("Export "), text("all", [{ type: "strong" }])),
            heading(3, "Acceptance criteria"),
            bulletList("Works offline", "Keeps the locale"),
          ),
        }),
      );
      expect(answer.status).toBe(202);
      const run = await fg.stored(answer.body.id);
      expect(run.description).toBe(
        "Export **all**\n\n### Acceptance criteria\n\n- Works offline\n- Keeps the locale",
      );
      expect(run.context.acceptance_criteria).toEqual([
        "Works offline",
        "Keeps the locale",
      ]);
    });

    it("accepts an issue without description, priority or criteria", async () => {
      const issue = key();
      const payload = issueCreated({ key: issue, labels: ["flowgate"] });
      const { priority: _priority, ...fields } = payload.issue.fields;
      const answer = await deliver({
        ...payload,
        issue: { ...payload.issue, fields },
      });
      expect(answer.status).toBe(202);
      const run = await fg.stored(answer.body.id);
      expect(run.description).toBe("");
      expect(run.context.acceptance_criteria).toEqual([]);
      expect(run.context.priority).toBeUndefined();
    });

    it("answers 400 naming the field when the issue key is missing", async () => {
      const payload = issueCreated({ key: key(), labels: ["flowgate"] });
      const { key: _key, ...issue } = payload.issue;
      const answer = await deliver({ ...payload, issue });
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toHaveProperty(["issue.key"]);
    });
  });

  describe("signatures", () => {
    const created = () => issueCreated({ key: key(), labels: ["flowgate"] });

    it("refuses a tampered body, a wrong secret, a missing signature and a re-serialized body with 401", async () => {
      const body = JSON.stringify(created());
      const headers = await jiraHeaders(jira.signing_secret, body);

      const tampered = body.replace("Summary of", "Summary 0f");
      expect((await fg.send(jira, headers, tampered)).status).toBe(401);

      const wrong = await jiraHeaders("not the trigger's secret", body);
      expect((await fg.send(jira, wrong, body)).status).toBe(401);

      const { "x-hub-signature": _signature, ...unsigned } = headers;
      expect((await fg.send(jira, unsigned, body)).status).toBe(401);

      // The same JSON value, written with other whitespace.
      const reserialized = JSON.stringify(JSON.parse(body), null, 2);
      expect((await fg.send(jira, headers, reserialized)).status).toBe(401);

      expect((await fg.send(jira, headers, body)).status).toBe(202);
    });

    it("accepts header names in any case", async () => {
      const body = JSON.stringify(created());
      const headers = await jiraHeaders(jira.signing_secret, body);
      const shouted = Object.fromEntries(
        Object.entries(headers).map(([name, value]) => [
          name.toUpperCase(),
          value,
        ]),
      );
      expect((await fg.send(jira, shouted, body)).status).toBe(202);
    });

    it("treats a retry with the same X-Atlassian-Webhook-Identifier as a duplicate", async () => {
      const body = JSON.stringify(created());
      const identifier = crypto.randomUUID();
      const first = await fg.send(
        jira,
        await jiraHeaders(jira.signing_secret, body, identifier),
        body,
      );
      const retry = await fg.send(
        jira,
        {
          ...(await jiraHeaders(jira.signing_secret, body, identifier)),
          "x-atlassian-webhook-retry": "1",
        },
        body,
      );
      expect(first.status).toBe(202);
      expect(retry.status).toBe(200);
      expect(retry.body).toMatchObject({ id: first.body.id, duplicate: true });
      const logged = await expectRecordedAsRetry(fg, jira.id, first.body.id);
      expect(logged.delivery_key).toBe(`id:${identifier}`);

      // The same body under another identifier is a new delivery.
      const other = await fg.send(
        jira,
        await jiraHeaders(jira.signing_secret, body, crypto.randomUUID()),
        body,
      );
      expect(other.body).toMatchObject({ id: first.body.id, duplicate: true });
      await expectRecordedAsJoining(fg, jira.id, first.body.id);
    });

    it("accepts a token-only trigger's unsigned Automation request", async () => {
      const automation = await fg.trigger("jira", { auth: "token" });
      const issue = key();
      const body = JSON.stringify({
        issue: issueCreated({ key: issue }).issue,
      });
      const answer = await fg.send(
        automation,
        {
          "content-type": "application/json",
          authorization: `Bearer ${automation.token}`,
        },
        body,
      );
      expect(answer.status).toBe(202);
      expect(answer.body.external_reference).toBe(issue);
      const unsigned = await fg.send(
        automation,
        { "content-type": "application/json" },
        body,
      );
      expect(unsigned.status).toBe(401);
    });
  });

  describe("rules", () => {
    it("ignores an edit without the label and lists the reason among the deliveries", async () => {
      const answer = await deliver(
        issueUpdated({ key: key() }, [
          { field: "summary", fromString: "Old", toString: "New" },
        ]),
      );
      expect(answer.status).toBe(200);
      expect(answer.body.status).toBe("ignored");
      expect(answer.body.reason).toMatch(/label "flowgate"/);
      const logged = await fg.lastDelivery(jira.id);
      expect(logged).toMatchObject({ outcome: "ignored", status_code: 200 });
      expect(logged.reason).toBe(answer.body.reason);
    });

    it("starts a run when an update adds the label", async () => {
      const issue = key();
      const answer = await deliver(
        issueUpdated({ key: issue, labels: ["ui", "flowgate"] }, [
          { field: "labels", fromString: "ui", toString: "ui flowgate" },
        ]),
      );
      expect(answer.status).toBe(202);
      expect(answer.body.external_reference).toBe(issue);
    });

    it("starts a run on a transition into the start status", async () => {
      const issue = key();
      const moved = await deliver(
        issueUpdated({ key: issue, status: "Ready for AI" }, [
          { field: "status", fromString: "To Do", toString: "Ready for AI" },
        ]),
      );
      expect(moved.status).toBe(202);
      const elsewhere = await deliver(
        issueUpdated({ key: key(), status: "In Progress" }, [
          { field: "status", fromString: "To Do", toString: "In Progress" },
        ]),
      );
      expect(elsewhere.body.status).toBe("ignored");
    });

    it("ignores events authored by the bot identity", async () => {
      const answer = await deliver(
        issueCreated({ key: key(), labels: ["flowgate"] }, botUser),
      );
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        status: "ignored",
        reason: `the event was made by the bot identity ${botUser.accountId}`,
      });
    });

    it("records a mention comment as a follow-up of the active run, once for both comment events", async () => {
      const issue = key();
      const started = await deliver(
        issueCreated({ key: issue, labels: ["flowgate"] }),
      );
      const body = adf(
        paragraph(
          mention(botUser.accountId, "@Flowgate"),
          text(" please also cover refunds"),
        ),
      );
      const comment = commentCreated({ key: issue }, body, "20001");
      const answer = await deliver(comment);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        id: started.body.id,
        duplicate: true,
      });

      // Jira also reports the comment as an issue_commented update.
      const twin = await deliver({
        ...comment,
        webhookEvent: "jira:issue_updated",
        issue_event_type_name: "issue_commented",
      });
      expect(twin.body).toMatchObject({ id: started.body.id, duplicate: true });

      expect(await fg.followUps(started.body.id)).toEqual([
        { instruction: "please also cover refunds", author: "Mia Krystof" },
      ]);
      const run = await fg.run(started.body.id);
      const followUps = run.events.filter((e: any) => e.name === "follow_up");
      expect(followUps).toHaveLength(1);
      expect(followUps[0].details.instruction).toBe(
        "please also cover refunds",
      );
    });

    it("counts a wiki-text account id mention and the @flowgate text alike", async () => {
      const issue = key();
      const first = await deliver(
        commentCreated(
          { key: issue },
          `[~accountid:${botUser.accountId}] add a test`,
          "20002",
        ),
      );
      expect(first.status).toBe(202);
      const second = await deliver(
        commentCreated({ key: issue }, "@flowgate and the docs", "20003"),
      );
      expect(second.body).toMatchObject({ id: first.body.id, duplicate: true });
      expect(await fg.followUps(first.body.id)).toEqual([
        { instruction: "add a test", author: "Mia Krystof" },
        { instruction: "and the docs", author: "Mia Krystof" },
      ]);

      const unrelated = await deliver(
        commentCreated({ key: issue }, "looks good to me", "20004"),
      );
      expect(unrelated.body).toEqual({
        status: "ignored",
        reason: "the comment does not mention @flowgate",
      });
    });

    it("cancels the active run on @flowgate stop", async () => {
      const issue = key();
      const started = await deliver(
        issueCreated({ key: issue, labels: ["flowgate"] }),
      );
      const answer = await deliver(
        commentCreated({ key: issue }, "@flowgate stop", "20005"),
      );
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        id: started.body.id,
        status: "canceled",
        canceled: true,
      });
      expect((await fg.lastDelivery(jira.id)).outcome).toBe("canceled");
    });

    it("cancels the active run when the label is removed, the issue is done or deleted", async () => {
      for (const [issue, event] of [
        [
          "SHOP-901",
          issueUpdated({ key: "SHOP-901" }, [
            { field: "labels", fromString: "flowgate", toString: "" },
          ]),
        ],
        [
          "SHOP-902",
          issueUpdated(
            { key: "SHOP-902", status: "Done", statusCategory: "done" },
            [{ field: "status", fromString: "In Progress", toString: "Done" }],
          ),
        ],
        ["SHOP-903", issueDeleted({ key: "SHOP-903" })],
      ] as const) {
        const started = await deliver(
          issueCreated({ key: issue, labels: ["flowgate"] }),
        );
        const answer = await deliver(event);
        expect(answer.body).toMatchObject({
          id: started.body.id,
          status: "canceled",
        });
      }
    });

    it("answers ignored when a cancel finds no active run", async () => {
      const answer = await deliver(issueDeleted({ key: key() }));
      expect(answer.status).toBe(200);
      expect(answer.body.status).toBe("ignored");
      expect(answer.body.reason).toMatch(/has no active run/);
    });
  });
});
