import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createOutboundHttp,
  type OutboundHttp,
} from "../../src/outbound/outbound-http.ts";
import type { Reporter } from "../../src/outbox/reporter.ts";
import {
  type SyncInput,
  syncSettings,
} from "../../src/outbox/sync-settings.ts";
import { linearSource } from "../../src/sources/linear/index.ts";
import type { Fault } from "../fakes/api-fake-server.ts";
import {
  type FakeLinear,
  LINEAR_VIEWER,
  linearErrors,
  startFakeLinear,
} from "../fakes/linear-api.ts";
import {
  type Driver,
  driver,
  failure,
  MR_URL,
  RUN_URL,
} from "./report-driver.ts";

const ISSUE = "ENG-123";
const TRANSITIONS = { merge_request_opened: "In Review", merged: "Done" };

const reporter = linearSource.reporter as Reporter;

describe("the Linear reporter's actions", () => {
  const sync = (input: SyncInput) => syncSettings(input);

  it("calls for nothing when the event is switched off", () => {
    const off = sync({ on: { started: false }, transitions: TRANSITIONS });
    expect(reporter.actions("started", off)).toEqual([]);
  });

  it("links the merge request only when it opens", () => {
    expect(reporter.actions("merge_request_opened", sync({}))).toEqual([
      "comment",
      "link",
    ]);
    expect(reporter.actions("succeeded", sync({}))).toEqual(["comment"]);
  });

  it("moves the issue only on events that name a state", () => {
    const moving = sync({ transitions: TRANSITIONS, comment: false });
    expect(reporter.actions("merged", moving)).toEqual(["transition"]);
    expect(reporter.actions("succeeded", moving)).toEqual([]);
    expect(
      reporter.actions("merge_request_opened", { ...moving, link: false }),
    ).toEqual(["transition"]);
  });
});

describe("reporting a run to Linear", () => {
  let linear: FakeLinear;
  let http: OutboundHttp;
  let run: Driver;

  beforeEach(async () => {
    linear = await startFakeLinear();
    http = createOutboundHttp(
      { allowPrivate: true, allowedHosts: [] },
      { timeoutMs: 300 },
    );
    run = runWith({ api_key: linear.apiKey, api_url: linear.url });
  });

  afterEach(async () => {
    await http.close();
    await linear.close();
  });

  const runWith = (credentials: Record<string, string>) =>
    driver(reporter, {
      http,
      credentials,
      sync: { transitions: TRANSITIONS },
      externalReference: ISSUE,
    });

  const onlyComment = () => {
    const comments = linear.comments(ISSUE);
    expect(comments).toHaveLength(1);
    return comments[0]?.body ?? "";
  };

  it("tells a succeeded run in one comment, one attachment and the final state", async () => {
    await run.send("started");
    expect(linear.operations()).toEqual(["issue", "commentCreate"]);
    const commentId = linear.comments(ISSUE)[0]?.id;
    expect(run.state).toEqual({ linear_comment_id: commentId });

    await run.send("merge_request_opened");
    await run.send("succeeded");
    await run.send("merged");

    expect(linear.operations()).toEqual([
      "issue",
      "commentCreate",
      "commentUpdate",
      "attachmentCreate",
      "issue",
      "issueUpdate",
      "commentUpdate",
      "commentUpdate",
      "issue",
      "issueUpdate",
    ]);
    for (const request of linear.requests) {
      expect(request.headers.authorization).toBe(linear.apiKey);
      expect(request.headers["content-type"]).toBe("application/json");
    }
    expect(linear.requests[2]?.body.variables).toEqual({
      id: commentId,
      input: { body: expect.stringContaining("draft merge request") },
    });

    const body = onlyComment();
    expect(body).toContain("Merge request !12 was merged.");
    expect(body).toContain(`(${RUN_URL})`);
    expect(body).not.toContain("Flowgate is on it");
    expect(linear.attachments(ISSUE)).toEqual([
      expect.objectContaining({
        url: MR_URL,
        title: "Merge request !12",
        subtitle: "Flowgate run #7",
      }),
    ]);
    expect(linear.stateOf(ISSUE)).toBe("Done");
  });

  it("tells a failed run why, with no attachment and the state untouched", async () => {
    await run.send("started");
    await run.send("failed");

    expect(linear.operations()).toEqual([
      "issue",
      "commentCreate",
      "commentUpdate",
    ]);
    const body = onlyComment();
    expect(body).toContain("run #7 failed");
    expect(body).toContain("The checks failed: 2 tests broke in login\\_form");
    expect(body).toContain(`POST ${RUN_URL}/retry`);
    expect(linear.attachments(ISSUE)).toEqual([]);
    expect(linear.stateOf(ISSUE)).toBe("Todo");
  });

  it("writes the comment in Markdown with the run's link as its marker", async () => {
    await run.send("started");

    expect(onlyComment()).toBe(
      "**Flowgate is on it: run #7 started.**\n\n" +
        "Branch: ai/fix\\_login-form\n\n" +
        `[Flowgate run #7](${RUN_URL})`,
    );
  });

  it("leaves an issue that is already in the state where it is", async () => {
    await run.send("started");
    await run.send("merge_request_opened");
    const before = linear.operations().length;

    await run.send("merge_request_opened");

    expect(linear.operations().slice(before)).toEqual([
      "commentUpdate",
      "attachmentCreate",
      "issue",
    ]);
    expect(linear.attachments(ISSUE)).toHaveLength(1);
    expect(linear.stateOf(ISSUE)).toBe("In Review");
  });

  it("finds the state by name in any case", async () => {
    const moving = driver(reporter, {
      http,
      credentials: { api_key: linear.apiKey, api_url: linear.url },
      sync: { comment: false, transitions: { merged: "in review" } },
      externalReference: ISSUE,
    });

    await moving.send("merged");

    expect(linear.stateOf(ISSUE)).toBe("In Review");
  });

  it("names the wanted and the available states when the team lacks one", async () => {
    const moving = driver(reporter, {
      http,
      credentials: { api_key: linear.apiKey, api_url: linear.url },
      sync: { comment: false, transitions: { merged: "Shipped" } },
      externalReference: ISSUE,
    });

    const error = await failure(moving.send("merged"));

    expect(error.transient).toBe(false);
    expect(error.message).toContain('"Shipped"');
    expect(error.message).toContain("sync.transitions.merged");
    expect(error.message).toContain(
      "Backlog, Todo, In Progress, In Review, Done",
    );
    expect(linear.operations()).toEqual(["issue"]);
  });

  it("does not take another run's comment for its own", async () => {
    // Run 70's URL begins with run 7's.
    linear.addComment(ISSUE, `[Flowgate run #70](${RUN_URL}0)`);

    await run.send("started");

    expect(linear.comments(ISSUE)).toHaveLength(2);
    expect(linear.operations()).toEqual(["issue", "commentCreate"]);
  });

  it("leaves alone a person's comment that quotes the run's link", async () => {
    const person = "0b5e5f00-0000-4000-8000-000000000bad";
    const quoted = linear.addComment(
      ISSUE,
      `Why did [Flowgate run #7](${RUN_URL}) stop?`,
      person,
    );

    await run.send("started");

    expect(linear.operations()).toEqual(["issue", "viewer", "commentCreate"]);
    const [theirs, ours] = linear.comments(ISSUE);
    expect(theirs?.body).toBe(quoted.body);
    expect(ours?.userId).toBe(LINEAR_VIEWER.id);
    expect(run.state.linear_comment_id).toBe(ours?.id);
  });

  it("finds its own lost comment beside a person's quote of the link", async () => {
    linear.addComment(
      ISSUE,
      `Tracking: [Flowgate run #7](${RUN_URL})`,
      "0b5e5f00-0000-4000-8000-000000000bad",
    );
    linear.failNext("commentCreate", { delayMs: 600 });

    await run.send("started", { attempts: 2 });

    const ours = linear.comments(ISSUE)[1];
    expect(linear.comments(ISSUE)).toHaveLength(2);
    expect(run.state.linear_comment_id).toBe(ours?.id);
    expect(linear.operations()).toEqual([
      "issue",
      "viewer",
      "commentCreate",
      "issue",
      "viewer",
    ]);
  });

  it("makes the comment again when someone deleted it", async () => {
    await run.send("started");
    linear.deleteComment(run.state.linear_comment_id ?? "");

    await run.send("merge_request_opened");

    expect(onlyComment()).toContain("draft merge request");
    expect(run.state.linear_comment_id).toBe(linear.comments(ISSUE)[0]?.id);
  });

  it("names the issue Linear does not have", async () => {
    const missing = driver(reporter, {
      http,
      credentials: { api_key: linear.apiKey, api_url: linear.url },
      externalReference: "ENG-999",
    });

    const error = await failure(missing.send("started"));

    expect(error.transient).toBe(false);
    expect(error.message).toContain("ENG-999");
    expect(error.message).toContain("Could not find referenced Issue.");
  });

  describe("with a wrong or missing API key", () => {
    it("fails for good, naming the credential but never the key", async () => {
      const wrongKey = "lin_api_wrong0000000000";
      const wrong = runWith({ api_key: wrongKey, api_url: linear.url });

      const error = await failure(wrong.send("started"));

      expect(error.transient).toBe(false);
      expect(error.message).toContain("credentials.api_key");
      expect(error.message).not.toContain(wrongKey);
      expect(error.message).not.toContain(linear.apiKey);
      expect(linear.comments(ISSUE)).toEqual([]);
    });

    it.each([200, 400])(
      "reads an authentication error answered with %i the same way",
      async (status) => {
        linear.failNext("issue", {
          status,
          body: { errors: [linearErrors.authentication], data: null },
        });

        const error = await failure(run.send("started"));

        expect(error.transient).toBe(false);
        expect(error.message).toContain("credentials.api_key");
      },
    );

    it("asks for the key before calling Linear", async () => {
      const none = runWith({ api_url: linear.url });

      const error = await failure(none.send("started"));

      expect(error.transient).toBe(false);
      expect(error.message).toContain("credentials.api_key");
      expect(linear.requests).toEqual([]);
    });
  });

  describe.each<{ name: string; fault: Fault; retryAfterMs?: number }>([
    { name: "a 500", fault: { status: 500 } },
    {
      name: "a 429 with Retry-After",
      fault: { status: 429, retryAfter: "1" },
      retryAfterMs: 1000,
    },
    {
      name: "RATELIMITED answered with 400 and Retry-After",
      fault: {
        status: 400,
        retryAfter: "2",
        body: { errors: [linearErrors.ratelimited] },
      },
      retryAfterMs: 2000,
    },
    {
      name: "RATELIMITED answered with 200",
      fault: { status: 200, body: { errors: [linearErrors.ratelimited] } },
    },
    { name: "an answer later than the time limit", fault: { delayMs: 600 } },
    { name: "a reset after the work", fault: { reset: "after-work" } },
    { name: "a reset before the work", fault: { reset: "before-work" } },
  ])("after $name", ({ fault, retryAfterMs }) => {
    const workDone =
      "delayMs" in fault || ("reset" in fault && fault.reset === "after-work");

    it("the retried messages leave one comment, one attachment and the state", async () => {
      for (const operation of [
        "commentCreate",
        "commentUpdate",
        "attachmentCreate",
        "issueUpdate",
      ]) {
        linear.failNext(operation, fault);
      }

      for (const event of [
        "started",
        "merge_request_opened",
        "succeeded",
        "merged",
      ] as const) {
        await run.send(event, { attempts: 2 });
      }

      expect(run.errors).toHaveLength(4);
      for (const error of run.errors) {
        expect(error.transient).toBe(true);
        expect(error.retryAfterMs).toBe(retryAfterMs);
        expect(error.message).not.toContain(linear.apiKey);
      }
      const creates = linear
        .operations()
        .filter((op) => op === "commentCreate");
      expect(creates).toHaveLength(workDone ? 1 : 2);
      expect(onlyComment()).toContain("Merge request !12 was merged.");
      expect(run.state.linear_comment_id).toBe(linear.comments(ISSUE)[0]?.id);
      expect(linear.attachments(ISSUE)).toHaveLength(1);
      expect(linear.stateOf(ISSUE)).toBe("Done");
    });
  });

  it("quotes the failure reason as text, not as markup", async () => {
    await run.send("started");
    await run.send("failed", {
      report: { error: "see <b>[this](https://evil.example)</b> *now*" },
    });

    expect(onlyComment()).toContain(
      "Reason: see \\<b\\>\\[this\\](https://evil.example)\\</b\\> \\*now\\*",
    );
  });
});
