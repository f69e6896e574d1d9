import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OutboundError } from "../../src/outbound/outbound-errors.ts";
import {
  createOutboundHttp,
  type OutboundHttp,
} from "../../src/outbound/outbound-http.ts";
import type {
  ReportAction,
  Reporter,
  ReportOutcome,
} from "../../src/outbox/reporter.ts";
import type { RunReport } from "../../src/outbox/run-report.ts";
import type { SyncEvent } from "../../src/outbox/sync-event.ts";
import {
  type SyncInput,
  syncSettings,
} from "../../src/outbox/sync-settings.ts";
import { jiraSource } from "../../src/sources/jira/index.ts";
import { adfToMarkdown } from "../../src/sources/markup/adf-to-markdown.ts";
import {
  type FakeJira,
  type JiraFault,
  startFakeJira,
} from "../fakes/jira-api.ts";
import { addComment } from "../fakes/jira-api-routes.ts";

const EMAIL = "flowgate-bot@acme.example";
const API_TOKEN = "ATATT3xFfGF0-cloud-token-7Qz";
const BASIC = `Basic ${Buffer.from(`${EMAIL}:${API_TOKEN}`).toString("base64")}`;
const BOT = {
  accountId: "712020:5b10ac8d82e05b22cc7d4ef5",
  displayName: "Flowgate",
};
const PERSON = {
  accountId: "5b10a2844c20165700ede21g",
  displayName: "Mia Krystof",
};

const RUN_URL = "https://flowgate.example/api/v4/projects/1/workflows/runs/7";
const MR_URL = "https://gitlab.example/acme/shop/-/merge_requests/3";
const ISSUE = "/rest/api/3/issue/SHOP-1";
const LIST = `GET ${ISSUE}/comment?orderBy=-created&maxResults=100`;
const TRANSITIONS = { merge_request_opened: "In Review", merged: "Done" };

const reporter: Reporter = reporterOf(jiraSource.reporter);

describe("Jira Cloud reporting", () => {
  let jira: FakeJira;
  let http: OutboundHttp;

  beforeEach(async () => {
    jira = await startFakeJira({
      apiVersion: 3,
      authorization: BASIC,
      user: BOT,
      issues: [{ key: "SHOP-1", status: "To Do" }],
    });
    http = createOutboundHttp(
      { allowPrivate: true, allowedHosts: [] },
      { timeoutMs: 300 },
    );
  });

  afterEach(async () => {
    await http.close();
    await jira.close();
  });

  const credentials = () => ({
    base_url: jira.url,
    email: EMAIL,
    api_token: API_TOKEN,
  });

  /** Sends one event's messages in order, as the dispatcher does, and
   * answers the run's state after them. */
  const reportEvent = async (
    event: SyncEvent,
    state: Record<string, string> = {},
    options: { sync?: SyncInput; run?: Partial<RunReport> } = {},
  ) => {
    const sync = syncSettings(options.sync ?? { transitions: TRANSITIONS });
    let next = { ...state };
    for (const action of reporter.actions(event, sync)) {
      const outcome = await deliver(action, event, next, options);
      next = { ...next, ...outcome.state };
    }
    return next;
  };

  const deliver = (
    action: ReportAction,
    event: SyncEvent,
    state: Record<string, string>,
    options: {
      sync?: SyncInput;
      run?: Partial<RunReport>;
      credentials?: Record<string, string>;
    } = {},
  ): Promise<ReportOutcome> =>
    reporter.deliver({
      action,
      messageId: 1,
      attempt: 1,
      report: { ...runReport(event), ...options.run },
      sync: syncSettings(options.sync ?? { transitions: TRANSITIONS }),
      credentials: options.credentials ?? credentials(),
      replyTo: {},
      state,
      http,
      signal: new AbortController().signal,
    });

  const seen = () => {
    const lines = jira.requests.map((entry) => `${entry.method} ${entry.path}`);
    jira.requests.length = 0;
    return lines;
  };
  const issue = () => {
    const found = jira.state.issues.get("SHOP-1");
    if (!found) throw new Error("the fake lost SHOP-1");
    return found;
  };
  const commentText = (index = 0) =>
    adfToMarkdown(issue().comments[index]?.body, 10_000).markdown;

  it("keeps one comment, one link and the set statuses through a succeeded run", async () => {
    let state = await reportEvent("started");
    expect(seen()).toEqual([LIST, `POST ${ISSUE}/comment`]);
    const id = issue().comments[0]?.id;
    expect(state).toEqual({ jira_comment_id: id });

    state = await reportEvent("merge_request_opened", state);
    expect(seen()).toEqual([
      `PUT ${ISSUE}/comment/${id}`,
      `POST ${ISSUE}/remotelink`,
      `GET ${ISSUE}?fields=status`,
      `GET ${ISSUE}/transitions`,
      `POST ${ISSUE}/transitions`,
    ]);
    expect(issue().status).toBe("In Review");

    state = await reportEvent("succeeded", state);
    expect(seen()).toEqual([`PUT ${ISSUE}/comment/${id}`]);
    expect(commentText()).toContain("ready for review");

    state = await reportEvent("merged", state);
    expect(seen()).toEqual([
      `PUT ${ISSUE}/comment/${id}`,
      `GET ${ISSUE}?fields=status`,
      `GET ${ISSUE}/transitions`,
      `POST ${ISSUE}/transitions`,
    ]);

    expect(state).toEqual({ jira_comment_id: id });
    expect(issue().comments).toHaveLength(1);
    expect(issue().comments[0]?.body).toMatchObject({
      type: "doc",
      version: 1,
    });
    expect(commentText()).toContain("Merge request !3 was merged.");
    expect(commentText()).toContain(`(${RUN_URL})`);
    expect(issue().remoteLinks).toEqual([
      {
        id: expect.any(Number),
        globalId: MR_URL,
        object: expect.objectContaining({
          url: MR_URL,
          title: "Merge request !3",
        }),
      },
    ]);
    expect(issue().status).toBe("Done");
  });

  it("sends every call to the base URL with Basic auth, not to the ticket's URL", async () => {
    await reportEvent("merge_request_opened", await reportEvent("started"));

    expect(jira.requests.length).toBeGreaterThan(0);
    for (const entry of jira.requests) {
      expect(entry.headers.authorization).toBe(BASIC);
      expect(entry.path.startsWith("/rest/api/3/")).toBe(true);
    }
  });

  it("tells a failed run's reason in its one comment and moves nothing unasked", async () => {
    const state = await reportEvent("started");
    await reportEvent("failed", state);

    expect(seen()).toEqual([
      LIST,
      `POST ${ISSUE}/comment`,
      `PUT ${ISSUE}/comment/${state.jira_comment_id}`,
    ]);
    expect(issue().comments).toHaveLength(1);
    expect(commentText()).toContain("run #7 failed");
    expect(commentText()).toContain("Reason: the checks failed: 2 tests");
    expect(issue().remoteLinks).toEqual([]);
    expect(issue().status).toBe("To Do");
  });

  describe("which messages an event calls for", () => {
    const actions = (event: SyncEvent, sync: SyncInput) =>
      reporter.actions(event, syncSettings(sync));

    it("comments, links and transitions when the merge request opens", () => {
      expect(
        actions("merge_request_opened", { transitions: TRANSITIONS }),
      ).toEqual(["comment", "link", "transition"]);
      expect(actions("started", { transitions: TRANSITIONS })).toEqual([
        "comment",
      ]);
    });

    it("calls for nothing when the event is switched off", () => {
      expect(
        actions("merged", { on: { merged: false }, transitions: TRANSITIONS }),
      ).toEqual([]);
    });

    it("leaves out the comment and the link when the settings do", () => {
      expect(
        actions("merge_request_opened", { comment: false, link: false }),
      ).toEqual([]);
    });
  });

  describe("a message whose answer went wrong, sent again with the same state", () => {
    const COMMENT_POST = { method: "POST", path: /\/comment$/ };
    const cases: [string, JiraFault, string[]][] = [
      [
        "a 500 before Jira made the comment",
        { status: 500 },
        [LIST, `POST ${ISSUE}/comment`],
      ],
      [
        "a connection reset before Jira made the comment",
        { reset: true, afterWork: false },
        [LIST, `POST ${ISSUE}/comment`],
      ],
      [
        "a connection reset after Jira made the comment",
        { reset: true, afterWork: true },
        [LIST, "GET /rest/api/3/myself", `PUT ${ISSUE}/comment/20001`],
      ],
      [
        "a time-out while Jira made the comment",
        { delayMs: 800 },
        [LIST, "GET /rest/api/3/myself", `PUT ${ISSUE}/comment/20001`],
      ],
    ];

    it.each(cases)("leaves one comment after %s", async (_, fault, retried) => {
      jira.fault(COMMENT_POST, fault);

      const error = await deliver("comment", "started", {}).catch((e) => e);
      expect(error).toBeInstanceOf(OutboundError);
      expect(error.transient).toBe(true);
      seen();

      const outcome = await deliver("comment", "started", {});
      expect(seen()).toEqual(retried);
      expect(issue().comments).toHaveLength(1);
      expect(outcome.state).toEqual({
        jira_comment_id: issue().comments[0]?.id,
      });
      expect(commentText()).toContain("run #7 started");
    });

    it("passes on Retry-After from a 429 and links once on the retry", async () => {
      jira.fault(
        { method: "POST", path: /\/remotelink$/ },
        { status: 429, retryAfter: "1" },
      );

      const error = await deliver("link", "merge_request_opened", {}).catch(
        (e) => e,
      );
      expect(error).toBeInstanceOf(OutboundError);
      expect(error.transient).toBe(true);
      expect(error.retryAfterMs).toBe(1000);

      await deliver("link", "merge_request_opened", {});
      expect(issue().remoteLinks).toHaveLength(1);
    });

    it("updates the one link when the answer to the first was lost", async () => {
      jira.fault(
        { method: "POST", path: /\/remotelink$/ },
        { reset: true, afterWork: true },
      );

      await expect(
        deliver("link", "merge_request_opened", {}),
      ).rejects.toMatchObject({
        transient: true,
      });
      expect(issue().remoteLinks).toHaveLength(1);

      await deliver("link", "merge_request_opened", {});
      expect(issue().remoteLinks).toHaveLength(1);
      expect(issue().remoteLinks[0]?.object.url).toBe(MR_URL);
    });

    it("does not transition twice when the answer to the first was lost", async () => {
      jira.fault(
        { method: "POST", path: /\/transitions$/ },
        { reset: true, afterWork: true },
      );

      // The attempt reads the status at once and finds the move done.
      const first = await deliver("transition", "merge_request_opened", {});
      expect(first.details).toMatchObject({ moved: true, answer_lost: true });
      expect(issue().status).toBe("In Review");
      seen();

      const outcome = await deliver("transition", "merge_request_opened", {});
      expect(seen()).toEqual([`GET ${ISSUE}?fields=status`]);
      expect(outcome.details).toMatchObject({ moved: false });
      expect(issue().status).toBe("In Review");
    });

    it("edits the same comment again when an edit's answer timed out", async () => {
      const state = await reportEvent("started");
      jira.fault({ method: "PUT", path: /\/comment\/\d+$/ }, { delayMs: 800 });

      await expect(deliver("comment", "failed", state)).rejects.toMatchObject({
        transient: true,
        message: expect.stringContaining("timed out"),
      });
      await deliver("comment", "failed", state);

      expect(issue().comments).toHaveLength(1);
      expect(commentText()).toContain("run #7 failed");
    });
  });

  describe("finding the tracking comment again", () => {
    it("leaves alone a person's comment that quotes the run's URL", async () => {
      const quoted = {
        version: 1,
        type: "doc",
        content: [
          {
            type: "paragraph",
            content: [
              { type: "text", text: "Is " },
              {
                type: "text",
                text: "this run",
                marks: [{ type: "link", attrs: { href: RUN_URL } }],
              },
              { type: "text", text: " stuck?" },
            ],
          },
        ],
      };
      addComment(jira.state, issue(), {
        body: quoted,
        author: PERSON,
        at: new Date(),
      });

      await reportEvent("started");

      expect(seen()).toEqual([
        LIST,
        "GET /rest/api/3/myself",
        `POST ${ISSUE}/comment`,
      ]);
      expect(issue().comments).toHaveLength(2);
      expect(issue().comments[0]?.body).toEqual(quoted);
    });

    it("does not take another run's comment whose URL begins with this run's", async () => {
      await reportEvent(
        "started",
        {},
        {
          run: { runId: 70, runUrl: `${RUN_URL}0` },
        },
      );
      seen();

      await reportEvent("started");

      expect(seen()).toEqual([LIST, `POST ${ISSUE}/comment`]);
      expect(issue().comments).toHaveLength(2);
      expect(commentText(0)).toContain("run #70 started");
    });

    it("makes the comment again when someone deleted it", async () => {
      const state = await reportEvent("started");
      issue().comments.length = 0;
      seen();

      const next = await reportEvent("succeeded", state);

      expect(seen()).toEqual([
        `PUT ${ISSUE}/comment/${state.jira_comment_id}`,
        LIST,
        `POST ${ISSUE}/comment`,
      ]);
      expect(issue().comments).toHaveLength(1);
      expect(next.jira_comment_id).toBe(issue().comments[0]?.id);
      expect(next.jira_comment_id).not.toBe(state.jira_comment_id);
    });
  });

  describe("refusals the operator must mend", () => {
    it("names the credentials, never the token, when Jira refuses them", async () => {
      const wrong = "ATATT3xFfGF0-wrong-token-9Kp";
      const error = await deliver(
        "comment",
        "started",
        {},
        {
          credentials: { ...credentials(), api_token: wrong },
        },
      ).catch((e) => e);

      expect(error).toBeInstanceOf(OutboundError);
      expect(error.transient).toBe(false);
      expect(error.message).toContain("401");
      expect(error.message).toContain("credentials.api_token");
      for (const secret of [
        wrong,
        API_TOKEN,
        Buffer.from(`${EMAIL}:${wrong}`).toString("base64"),
      ]) {
        expect(error.message).not.toContain(secret);
        expect(String(error.cause?.message)).not.toContain(secret);
      }
    });

    it("names the missing credential and calls nothing", async () => {
      const { api_token: _, ...withoutToken } = credentials();

      await expect(
        deliver("comment", "started", {}, { credentials: withoutToken }),
      ).rejects.toMatchObject({
        transient: false,
        message: expect.stringContaining("credentials.api_token"),
      });
      expect(jira.requests).toEqual([]);
    });

    it("names the permission a 403 lacks, keeping it non-transient", async () => {
      jira.fault({ method: "POST", path: /\/transitions$/ }, { status: 403 });

      await expect(
        deliver("transition", "merge_request_opened", {}),
      ).rejects.toMatchObject({
        transient: false,
        message: expect.stringContaining('"Transition issues" permission'),
      });
    });

    it("names the issue key and the base URL when Jira has no such issue", async () => {
      await expect(
        deliver(
          "comment",
          "started",
          {},
          { run: { externalReference: "SHOP-404" } },
        ),
      ).rejects.toMatchObject({
        transient: false,
        message: expect.stringMatching(
          /no issue SHOP-404 .*credentials\.base_url/,
        ),
      });
    });

    it("names the wanted and the offered transitions when none matches", async () => {
      const error = await deliver(
        "transition",
        "merged",
        {},
        {
          sync: { transitions: { merged: "Shipped" } },
        },
      ).catch((e) => e);

      expect(error).toBeInstanceOf(OutboundError);
      expect(error.transient).toBe(false);
      expect(error.message).toContain('"Shipped"');
      expect(error.message).toContain('"Done" (to "Done")');
      expect(error.message).toContain("sync.transitions.merged");
      expect(issue().status).toBe("To Do");
    });
  });
});

function runReport(event: SyncEvent): RunReport {
  const opened = event !== "started" && event !== "failed";
  return {
    event,
    runId: 7,
    runUrl: RUN_URL,
    status: {
      queued: "queued",
      started: "running",
      action_required: "running",
      merge_request_opened: "running",
      succeeded: "succeeded",
      failed: "failed",
      merged: "succeeded",
      canceled: "canceled",
    }[event],
    externalSystem: "jira",
    externalReference: "SHOP-1",
    // Never called: reports go to the trigger's base URL only.
    externalUrl: "https://elsewhere.example/browse/SHOP-1",
    branch: "ai/SHOP-1-fix-login",
    mergeRequest: opened ? { iid: 3, webUrl: MR_URL } : null,
    error: event === "failed" ? "the checks failed: 2 tests" : null,
    at: "2025-05-01T10:00:00.000Z",
  };
}

function reporterOf(reporter: Reporter | undefined): Reporter {
  if (!reporter) throw new Error("the Jira source has no reporter");
  return reporter;
}
