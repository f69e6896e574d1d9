import { LinearWebhookClient } from "@linear/sdk/webhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  labels,
  linearBot,
  linearComment,
  linearEvent,
  linearIssue,
} from "../fakes/linear-payloads.ts";
import type { CreatedTrigger } from "../helpers/test-server.ts";
import {
  expectRecordedAsJoining,
  expectRecordedAsRetry,
} from "./delivery-log.ts";
import {
  linearHeaders,
  type ProviderServer,
  startProviderServer,
} from "./provider-server.ts";

describe("Linear deliveries", () => {
  let fg: ProviderServer;
  let linear: CreatedTrigger;
  let numbers = 100;

  const deliver = async (payload: unknown, delivery?: string) => {
    const body = JSON.stringify(payload);
    return fg.send(
      linear,
      linearHeaders(linear.signing_secret, body, delivery),
      body,
    );
  };

  beforeAll(async () => {
    fg = await startProviderServer({ FLOWGATE_ROLE: "api" });
    // Linear makes the signing secret; it is pasted into the trigger.
    linear = await fg.trigger("linear", {
      label: "flowgate",
      start_status: "Ready for agent",
      bot_identity: linearBot.id,
      signing_secret: "lin_wh_4f1b2c3d4e5f60718293a4b5c6d7e8f9",
    });
    expect(linear.signing_secret).toBe(
      "lin_wh_4f1b2c3d4e5f60718293a4b5c6d7e8f9",
    );
  });
  afterAll(async () => fg.close());

  it("signs the way Linear's own SDK verifies", () => {
    const body = JSON.stringify(
      linearEvent("create", "Issue", linearIssue({ number: 1 })),
    );
    const headers = linearHeaders(linear.signing_secret, body);
    const client = new LinearWebhookClient(linear.signing_secret);
    expect(
      client.verify(Buffer.from(body), headers["linear-signature"] as string),
    ).toBe(true);
  });

  it("turns a created issue with the label into a run with its identifier, Markdown and criteria", async () => {
    const number = ++numbers;
    const answer = await deliver(
      linearEvent(
        "create",
        "Issue",
        linearIssue({
          number,
          title: "Shortcut für Suche ⌘K",
          description:
            "Open search from anywhere.\n\n**Acceptance criteria**\n* Opens in under 100 ms\n* Closes on Escape",
          labels: [labels.flowgate, labels.bug],
        }),
      ),
    );
    expect(answer.status).toBe(202);
    const run = await fg.stored(answer.body.id);
    expect(run.external_reference).toBe(`ENG-${number}`);
    expect(run.external_url).toBe(
      `https://linear.app/acme/issue/ENG-${number}/issue-${number}`,
    );
    expect(run.title).toBe("Shortcut für Suche ⌘K");
    expect(run.context.acceptance_criteria).toEqual([
      "Opens in under 100 ms",
      "Closes on Escape",
    ]);
    expect(run.context).toMatchObject({
      priority: "High",
      labels: ["flowgate", "Bug"],
      status: "Todo",
    });
  });

  it("builds the reference from team key and number when identifier is missing", async () => {
    const number = ++numbers;
    const answer = await deliver(
      linearEvent(
        "create",
        "Issue",
        linearIssue({
          number,
          identifier: false,
          description: null,
          labels: [labels.flowgate],
        }),
      ),
    );
    expect(answer.status).toBe(202);
    const run = await fg.stored(answer.body.id);
    expect(run.external_reference).toBe(`ENG-${number}`);
    expect(run.description).toBe("");
  });

  it("refuses tampering, a wrong secret, no signature, re-serializing and a stale webhookTimestamp with 401", async () => {
    const payload = linearEvent(
      "create",
      "Issue",
      linearIssue({ number: ++numbers, labels: [labels.flowgate] }),
    );
    const body = JSON.stringify(payload);
    const headers = linearHeaders(linear.signing_secret, body);
    expect(
      (await fg.send(linear, headers, body.replace("Issue ", "Issue_"))).status,
    ).toBe(401);
    expect(
      (await fg.send(linear, linearHeaders("wrong", body), body)).status,
    ).toBe(401);
    const { "linear-signature": _s, ...unsigned } = headers;
    expect((await fg.send(linear, unsigned, body)).status).toBe(401);
    expect(
      (await fg.send(linear, headers, JSON.stringify(payload, null, 2))).status,
    ).toBe(401);

    const stale = JSON.stringify({
      ...payload,
      webhookTimestamp: Date.now() - 61_000,
    });
    const staleAnswer = await fg.send(
      linear,
      linearHeaders(linear.signing_secret, stale),
      stale,
    );
    expect(staleAnswer.status).toBe(401);
    expect(staleAnswer.body.message).toMatch(/60 seconds/);

    const shouted = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [
        name.toUpperCase(),
        value,
      ]),
    );
    expect((await fg.send(linear, shouted, body)).status).toBe(202);
  });

  it("treats a retry with the same Linear-Delivery as a duplicate", async () => {
    const payload = linearEvent(
      "create",
      "Issue",
      linearIssue({ number: ++numbers, labels: [labels.flowgate] }),
    );
    const delivery = crypto.randomUUID();
    const first = await deliver(payload, delivery);
    const retry = await deliver(payload, delivery);
    expect(first.status).toBe(202);
    expect(retry.body).toMatchObject({ id: first.body.id, duplicate: true });
    const logged = await expectRecordedAsRetry(fg, linear.id, first.body.id);
    expect(logged.delivery_key).toBe(`id:${delivery}`);

    const other = await deliver(payload, crypto.randomUUID());
    expect(other.body).toMatchObject({ id: first.body.id, duplicate: true });
    await expectRecordedAsJoining(fg, linear.id, first.body.id);
  });

  it("starts on a label added and on a move into the start status, not on other edits", async () => {
    const labelled = ++numbers;
    const added = await deliver(
      linearEvent(
        "update",
        "Issue",
        linearIssue({
          number: labelled,
          labels: [labels.bug, labels.flowgate],
        }),
        { updatedFrom: { labelIds: [labels.bug.id], updatedAt: "x" } },
      ),
    );
    expect(added.status).toBe(202);

    const moved = await deliver(
      linearEvent(
        "update",
        "Issue",
        linearIssue({
          number: ++numbers,
          state: {
            id: "state-ready",
            name: "Ready for agent",
            type: "unstarted",
          },
        }),
        { updatedFrom: { stateId: "state-todo" } },
      ),
    );
    expect(moved.status).toBe(202);

    const retitled = await deliver(
      linearEvent("update", "Issue", linearIssue({ number: ++numbers }), {
        updatedFrom: { title: "Old title" },
      }),
    );
    expect(retitled.body.status).toBe("ignored");
  });

  it("ignores what the bot identity did", async () => {
    const answer = await deliver(
      linearEvent(
        "create",
        "Issue",
        linearIssue({ number: ++numbers, labels: [labels.flowgate] }),
        {},
        linearBot,
      ),
    );
    expect(answer.body.reason).toMatch(/bot identity/);
  });

  it("follows up on a mention comment and cancels when the label goes or the issue is completed", async () => {
    const number = ++numbers;
    const started = await deliver(
      linearEvent(
        "create",
        "Issue",
        linearIssue({ number, labels: [labels.flowgate] }),
      ),
    );
    const comment = await deliver(
      linearEvent(
        "create",
        "Comment",
        linearComment(number, "@flowgate use the new API"),
      ),
    );
    expect(comment.body).toMatchObject({
      id: started.body.id,
      duplicate: true,
    });
    expect(await fg.followUps(started.body.id)).toEqual([
      { instruction: "use the new API", author: "Alice Nguyen" },
    ]);

    // Linear's own shape: the removed label by id only. The run began
    // with the trigger label and the label is gone, so it was removed.
    const unlabelled = await deliver(
      linearEvent("update", "Issue", linearIssue({ number, labels: [] }), {
        updatedFrom: { labelIds: [labels.flowgate.id] },
      }),
    );
    expect(unlabelled.body).toMatchObject({
      id: started.body.id,
      canceled: true,
    });

    const again = ++numbers;
    const second = await deliver(
      linearEvent(
        "create",
        "Issue",
        linearIssue({ number: again, labels: [labels.flowgate] }),
      ),
    );
    const done = await deliver(
      linearEvent(
        "update",
        "Issue",
        linearIssue({
          number: again,
          state: { id: "state-done", name: "Done", type: "completed" },
        }),
        { updatedFrom: { stateId: "state-todo" } },
      ),
    );
    expect(done.body).toMatchObject({ id: second.body.id, canceled: true });
  });

  it("does not cancel when another label is removed, nor when a removed id is not known to be the trigger label's", async () => {
    const ready = {
      id: "state-ready",
      name: "Ready for agent",
      type: "unstarted",
    };
    const number = ++numbers;
    // Started by a move into the start status: no trigger label at all.
    const started = await deliver(
      linearEvent(
        "update",
        "Issue",
        linearIssue({ number, labels: [labels.bug], state: ready }),
        { updatedFrom: { stateId: "state-todo" } },
      ),
    );
    expect(started.status).toBe(202);

    const bugRemoved = await deliver(
      linearEvent(
        "update",
        "Issue",
        linearIssue({ number, labels: [], state: ready }),
        { updatedFrom: { labelIds: [labels.bug.id] } },
      ),
    );
    expect(bugRemoved.body.status).toBe("ignored");
    expect((await fg.run(started.body.id)).status).toBe("queued");

    // Linear's usual delivery names no removed label: the run did not
    // begin with the trigger label, so an unnamed removal cancels nothing.
    const unnamed = await deliver(
      linearEvent(
        "update",
        "Issue",
        linearIssue({ number, labels: [], state: ready }),
        { updatedFrom: { labelIds: [labels.flowgate.id] } },
      ),
    );
    expect(unnamed.body.status).toBe("ignored");
    expect((await fg.run(started.body.id)).status).toBe("queued");

    const flowgateRemoved = await deliver(
      linearEvent(
        "update",
        "Issue",
        linearIssue({ number, labels: [labels.bug], state: ready }),
        {
          updatedFrom: {
            labelIds: [labels.bug.id, labels.flowgate.id],
            labels: [labels.bug, labels.flowgate],
          },
        },
      ),
    );
    expect(flowgateRemoved.body).toMatchObject({
      id: started.body.id,
      canceled: true,
    });
    expect((await fg.run(started.body.id)).status).toBe("canceled");
  });

  it("joins a comment whose issue has no identifier to the issue's run, by the identifier in its url", async () => {
    const number = ++numbers;
    const started = await deliver(
      linearEvent(
        "create",
        "Issue",
        linearIssue({ number, labels: [labels.flowgate] }),
      ),
    );
    expect(started.status).toBe(202);

    const data = linearComment(number, "@flowgate cover the empty list");
    const { identifier: _identifier, ...issue } = data.issue;
    const comment = await deliver(
      linearEvent("create", "Comment", { ...data, issue }),
    );
    expect(comment.body).toMatchObject({
      id: started.body.id,
      duplicate: true,
      external_reference: `ENG-${number}`,
    });
    expect(await fg.followUps(started.body.id)).toEqual([
      { instruction: "cover the empty list", author: "Alice Nguyen" },
    ]);
  });

  it("refuses a comment whose issue is named only by its id, and ignores one on no issue", async () => {
    const number = ++numbers;
    const data = linearComment(number, "@flowgate go");
    const { identifier: _identifier, url: _url, ...issue } = data.issue;
    const unnamed = await deliver(
      linearEvent("create", "Comment", { ...data, issue }),
    );
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.errors).toHaveProperty(["data.issue.identifier"]);
    expect(await fg.runs(issue.id)).toEqual([]);

    // A comment on a project update carries no issue.
    const { issue: _issue, issueId: _issueId, ...onProject } = data;
    const elsewhere = await deliver(
      linearEvent("create", "Comment", {
        ...onProject,
        projectUpdateId: "project-update-1",
      }),
    );
    expect(elsewhere.body).toEqual({
      status: "ignored",
      reason: "the comment is not on an issue",
    });
  });

  it("reads an issue's identifier from its url when identifier and team are missing", async () => {
    const number = ++numbers;
    const { team: _team, ...data } = linearIssue({
      number,
      identifier: false,
      labels: [labels.flowgate],
    });
    const answer = await deliver(linearEvent("create", "Issue", data));
    expect(answer.status).toBe(202);
    expect(answer.body.external_reference).toBe(`ENG-${number}`);
  });
});
