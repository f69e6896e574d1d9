import { verify } from "@octokit/webhooks-methods";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Refusal } from "../../src/ingress/refusal.ts";
import { githubSource } from "../../src/sources/github/index.ts";
import {
  commentEvent,
  flowgateBot,
  issuesEvent,
} from "../fakes/github-payloads.ts";
import type { CreatedTrigger } from "../helpers/test-server.ts";
import {
  expectRecordedAsJoining,
  expectRecordedAsRetry,
} from "./delivery-log.ts";
import {
  githubHeaders,
  type ProviderServer,
  startProviderServer,
} from "./provider-server.ts";

describe("GitHub's published test vector", () => {
  const secret = "It's a Secret to Everybody";
  const signature =
    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
  const delivery = (header: string) => ({
    headers: { "x-hub-signature-256": header },
    rawBody: Buffer.from("Hello, World!"),
    receivedAt: new Date(),
  });

  it("verifies, as GitHub's own package does", async () => {
    expect(await verify(secret, "Hello, World!", signature)).toBe(true);
    expect(() =>
      githubSource.verifySignature(delivery(signature), [secret], new Date()),
    ).not.toThrow();
  });

  it("refuses the vector with one digit changed", () => {
    const changed = signature.replace(/e17$/, "e18");
    expect(() =>
      githubSource.verifySignature(delivery(changed), [secret], new Date()),
    ).toThrow(Refusal);
  });
});

describe("GitHub deliveries", () => {
  let fg: ProviderServer;
  let github: CreatedTrigger;
  let issues = 0;

  const deliver = async (event: string, payload: unknown, id?: string) => {
    const body = JSON.stringify(payload);
    return fg.send(
      github,
      await githubHeaders(github.signing_secret, body, event, id),
      body,
    );
  };

  beforeAll(async () => {
    fg = await startProviderServer({ FLOWGATE_ROLE: "api" });
    github = await fg.trigger("github", {
      label: "flowgate",
      bot_identity: flowgateBot.login,
    });
  });
  afterAll(async () => fg.close());

  it("answers a ping 200 and starts nothing", async () => {
    const answer = await deliver("ping", {
      zen: "Keep it logically awesome.",
      hook_id: 1,
    });
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe("ignored");
  });

  it("turns a labeled issue into a run with owner/repo#number, its Markdown and checklist criteria", async () => {
    const number = ++issues;
    const answer = await deliver(
      "issues",
      issuesEvent(
        "labeled",
        {
          number,
          title: "Dark mode für die Einstellungen 🌙",
          body: "Add a toggle.\n\n## Acceptance criteria\n- [ ] Toggle persists\n- [ ] Respects OS setting\n\n## Notes\nNone",
          labels: ["flowgate"],
        },
        { label: { name: "flowgate", color: "ededed" } },
      ),
    );
    expect(answer.status).toBe(202);
    const run = await fg.stored(answer.body.id);
    expect(run.external_reference).toBe(`acme/shop#${number}`);
    expect(run.external_url).toBe(
      `https://github.com/acme/shop/issues/${number}`,
    );
    expect(run.title).toBe("Dark mode für die Einstellungen 🌙");
    expect(run.description).toContain("## Acceptance criteria");
    expect(run.context.acceptance_criteria).toEqual([
      "Toggle persists",
      "Respects OS setting",
    ]);
    expect(run.context.event_kind).toBe("issues.labeled");
  });

  it("accepts an issue opened with the label and a null body", async () => {
    const answer = await deliver(
      "issues",
      issuesEvent("opened", {
        number: ++issues,
        body: null,
        labels: ["flowgate"],
      }),
    );
    expect(answer.status).toBe(202);
    expect((await fg.stored(answer.body.id)).description).toBe("");
  });

  it("ignores an issue opened without the label and an edit", async () => {
    const opened = await deliver(
      "issues",
      issuesEvent("opened", { number: ++issues }),
    );
    expect(opened.body.status).toBe("ignored");
    const edited = await deliver(
      "issues",
      issuesEvent("edited", { number: ++issues, labels: ["flowgate"] }),
    );
    expect(edited.body.status).toBe("ignored");
  });

  it("refuses tampering, a wrong secret, no signature and a re-serialized body with 401", async () => {
    const body = JSON.stringify(
      issuesEvent("opened", { number: ++issues, labels: ["flowgate"] }),
    );
    const headers = await githubHeaders(github.signing_secret, body, "issues");
    expect((await fg.send(github, headers, `${body} `)).status).toBe(401);
    const wrong = await githubHeaders("another secret", body, "issues");
    expect((await fg.send(github, wrong, body)).status).toBe(401);
    const { "x-hub-signature-256": _s, ...unsigned } = headers;
    expect((await fg.send(github, unsigned, body)).status).toBe(401);
    const reserialized = JSON.stringify(JSON.parse(body), null, 1);
    expect((await fg.send(github, headers, reserialized)).status).toBe(401);
    const shouted = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [
        name.toUpperCase(),
        value,
      ]),
    );
    expect((await fg.send(github, shouted, body)).status).toBe(202);
  });

  it("treats a redelivery with the same X-GitHub-Delivery as a duplicate", async () => {
    const payload = issuesEvent("opened", {
      number: ++issues,
      labels: ["flowgate"],
    });
    const id = crypto.randomUUID();
    const first = await deliver("issues", payload, id);
    const again = await deliver("issues", payload, id);
    expect(first.status).toBe(202);
    expect(again.body).toMatchObject({ id: first.body.id, duplicate: true });
    const logged = await expectRecordedAsRetry(fg, github.id, first.body.id);
    expect(logged.delivery_key).toBe(`id:${id}`);

    const other = await deliver("issues", payload, crypto.randomUUID());
    expect(other.body).toMatchObject({ id: first.body.id, duplicate: true });
    await expectRecordedAsJoining(fg, github.id, first.body.id);
  });

  it("follows up on a mention comment, ignores pull request and bot comments, and stops on @flowgate stop", async () => {
    const number = ++issues;
    const started = await deliver(
      "issues",
      issuesEvent("opened", { number, labels: ["flowgate"] }),
    );
    const followUp = await deliver(
      "issue_comment",
      commentEvent({ number }, "@flowgate handle the empty state too"),
    );
    expect(followUp.body).toMatchObject({
      id: started.body.id,
      duplicate: true,
    });
    expect(await fg.followUps(started.body.id)).toEqual([
      { instruction: "handle the empty state too", author: "octocat" },
    ]);

    const onPullRequest = await deliver(
      "issue_comment",
      commentEvent({ number, pullRequest: true }, "@flowgate do it"),
    );
    expect(onPullRequest.body.reason).toBe("the comment is on a pull request");

    const byBot = await deliver(
      "issue_comment",
      commentEvent({ number }, "@flowgate opened !3", flowgateBot),
    );
    expect(byBot.body.reason).toMatch(/bot identity/);

    const stop = await deliver(
      "issue_comment",
      commentEvent({ number }, "@flowgate stop"),
    );
    expect(stop.body).toMatchObject({
      id: started.body.id,
      status: "canceled",
    });
  });

  it("cancels on unlabeled and on closed", async () => {
    for (const [action, extra] of [
      ["unlabeled", { label: { name: "flowgate" } }],
      ["closed", {}],
    ] as const) {
      const number = ++issues;
      const started = await deliver(
        "issues",
        issuesEvent("opened", { number, labels: ["flowgate"] }),
      );
      const answer = await deliver(
        "issues",
        issuesEvent(action, { number }, extra),
      );
      expect(answer.body).toMatchObject({
        id: started.body.id,
        canceled: true,
      });
    }
  });
});
