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
import { syncSettings } from "../../src/outbox/sync-settings.ts";
import { jiraDataCenterSource } from "../../src/sources/jira-dc/index.ts";
import { type FakeJira, startFakeJira } from "../fakes/jira-api.ts";

const TOKEN = "NjU4OTQ0MjE3NzA5Oklx-dc-personal-token";
const BOT = { name: "flowgate", key: "JIRAUSER10100", displayName: "Flowgate" };

const RUN_URL = "https://flowgate.example/api/v4/projects/2/workflows/runs/41";
const MR_URL = "https://gitlab.example/acme/billing/-/merge_requests/12";
const ISSUE = "/rest/api/2/issue/BILL-9";
const LIST = `GET ${ISSUE}/comment?orderBy=-created&maxResults=100`;
const SYNC = syncSettings({
  transitions: { merge_request_opened: "In Review", merged: "Done" },
});

const reporter: Reporter = reporterOf(jiraDataCenterSource.reporter);

describe("Jira Data Center reporting", () => {
  let jira: FakeJira;
  let http: OutboundHttp;

  beforeEach(async () => {
    jira = await startFakeJira({
      apiVersion: 2,
      authorization: `Bearer ${TOKEN}`,
      user: BOT,
      issues: [{ key: "BILL-9", status: "In Progress" }],
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

  const deliver = (
    action: ReportAction,
    event: SyncEvent,
    state: Record<string, string>,
    credentials: Record<string, string> = {
      // A trailing slash, as people paste it.
      base_url: `${jira.url}/`,
      token: TOKEN,
    },
    sync = SYNC,
  ): Promise<ReportOutcome> =>
    reporter.deliver({
      action,
      messageId: 1,
      attempt: 1,
      report: runReport(event),
      sync,
      credentials,
      replyTo: {},
      state,
      http,
      signal: new AbortController().signal,
    });

  const reportEvent = async (
    event: SyncEvent,
    state: Record<string, string> = {},
  ) => {
    let next = { ...state };
    for (const action of reporter.actions(event, SYNC)) {
      next = { ...next, ...(await deliver(action, event, next)).state };
    }
    return next;
  };

  const seen = () => {
    const lines = jira.requests.map((entry) => `${entry.method} ${entry.path}`);
    jira.requests.length = 0;
    return lines;
  };
  const issue = () => {
    const found = jira.state.issues.get("BILL-9");
    if (!found) throw new Error("the fake lost BILL-9");
    return found;
  };
  const commentText = () => String(issue().comments[0]?.body);

  it("keeps one wiki-text comment, one link and the set statuses through a run", async () => {
    let state = await reportEvent("started");
    expect(seen()).toEqual([LIST, `POST ${ISSUE}/comment`]);
    const id = issue().comments[0]?.id;

    state = await reportEvent("merge_request_opened", state);
    expect(seen()).toEqual([
      `PUT ${ISSUE}/comment/${id}`,
      `POST ${ISSUE}/remotelink`,
      `GET ${ISSUE}?fields=status`,
      `GET ${ISSUE}/transitions`,
      `POST ${ISSUE}/transitions`,
    ]);
    state = await reportEvent("succeeded", state);
    state = await reportEvent("merged", state);
    expect(seen()).toEqual([
      `PUT ${ISSUE}/comment/${id}`,
      `PUT ${ISSUE}/comment/${id}`,
      `GET ${ISSUE}?fields=status`,
      `GET ${ISSUE}/transitions`,
      `POST ${ISSUE}/transitions`,
    ]);

    expect(state).toEqual({ jira_comment_id: id });
    expect(issue().comments).toHaveLength(1);
    expect(typeof issue().comments[0]?.body).toBe("string");
    expect(commentText()).toBe(
      "*Merge request \\!12 was merged.*\n\n" +
        `[Merge request \\!12|${MR_URL}] · [Flowgate run #41|${RUN_URL}]`,
    );
    expect(issue().remoteLinks).toHaveLength(1);
    expect(issue().remoteLinks[0]?.object).toMatchObject({
      url: MR_URL,
      title: "Merge request !12",
    });
    expect(issue().status).toBe("Done");
  });

  it("sends every call with the Bearer token to REST v2 under the base URL", async () => {
    await reportEvent("merge_request_opened", await reportEvent("started"));

    expect(jira.requests.length).toBe(7);
    for (const entry of jira.requests) {
      expect(entry.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(entry.path.startsWith("/rest/api/2/issue/BILL-9")).toBe(true);
    }
  });

  it("tells a failed run's reason in the same comment, escaped as wiki text", async () => {
    const state = await reportEvent("started");
    seen();
    await reportEvent("failed", state);

    const id = issue().comments[0]?.id;
    expect(
      jira.requests.map((entry) => `${entry.method} ${entry.path}`),
    ).toEqual([`PUT ${ISSUE}/comment/${id}`]);
    const edit = jira.requests[0]?.json as { body?: unknown };
    expect(Object.keys(edit)).toEqual(["body"]);
    expect(typeof edit.body).toBe("string");
    expect(edit.body).toContain("*Flowgate's run #41 failed.*");
    expect(edit.body).toContain(`POST ${RUN_URL}/retry`);

    expect(issue().comments).toHaveLength(1);
    expect(commentText()).toContain("*Flowgate's run #41 failed.*");
    // The reason's link syntax and mention stay text.
    expect(commentText()).toContain(
      "Reason: merge blocked by \\[~admin\\] \\{code\\}",
    );
    expect(issue().status).toBe("In Progress");
  });

  describe("a message whose answer went wrong, sent again with the same state", () => {
    it("finds and edits the comment a timed-out create made", async () => {
      jira.fault({ method: "POST", path: /\/comment$/ }, { delayMs: 800 });

      await expect(deliver("comment", "started", {})).rejects.toMatchObject({
        transient: true,
      });
      expect(issue().comments).toHaveLength(1);
      seen();

      const outcome = await deliver("comment", "started", {});
      expect(seen()).toEqual([
        LIST,
        "GET /rest/api/2/myself",
        `PUT ${ISSUE}/comment/${issue().comments[0]?.id}`,
      ]);
      expect(outcome.state).toEqual({
        jira_comment_id: issue().comments[0]?.id,
      });
      expect(issue().comments).toHaveLength(1);
    });

    it("creates the comment once after a reset before Jira made it", async () => {
      jira.fault(
        { method: "POST", path: /\/comment$/ },
        { reset: true, afterWork: false },
      );

      await expect(deliver("comment", "started", {})).rejects.toMatchObject({
        transient: true,
      });
      expect(issue().comments).toHaveLength(0);

      await deliver("comment", "started", {});
      expect(issue().comments).toHaveLength(1);
    });

    it("keeps one link after a reset that came once Jira had saved it", async () => {
      jira.fault(
        { method: "POST", path: /\/remotelink$/ },
        { reset: true, afterWork: true },
      );

      await expect(
        deliver("link", "merge_request_opened", {}),
      ).rejects.toMatchObject({ transient: true });
      await deliver("link", "merge_request_opened", {});

      expect(issue().remoteLinks).toHaveLength(1);
    });

    it("retries a comment after a plain 500 and creates it once", async () => {
      jira.fault({ method: "POST", path: /\/comment$/ }, { status: 500 });

      const error = await deliver("comment", "started", {}).catch((e) => e);
      expect(error).toBeInstanceOf(OutboundError);
      expect(error.transient).toBe(true);
      expect(error.retryAfterMs).toBeUndefined();
      expect(issue().comments).toHaveLength(0);

      await deliver("comment", "started", {});
      expect(issue().comments).toHaveLength(1);
    });

    it("passes on Retry-After: 0 as zero", async () => {
      jira.fault(
        { method: "POST", path: /\/comment$/ },
        { status: 429, retryAfter: "0" },
      );

      const error = await deliver("comment", "started", {}).catch((e) => e);

      expect(error).toMatchObject({ transient: true, retryAfterMs: 0 });
    });

    it("passes on a 429's Retry-After and links once on the retry", async () => {
      jira.fault(
        { method: "POST", path: /\/remotelink$/ },
        { status: 429, retryAfter: "7" },
      );

      const error = await deliver("link", "merge_request_opened", {}).catch(
        (e) => e,
      );
      expect(error).toBeInstanceOf(OutboundError);
      expect(error.transient).toBe(true);
      expect(error.retryAfterMs).toBe(7000);
      expect(issue().remoteLinks).toHaveLength(0);

      await deliver("link", "merge_request_opened", {});
      expect(issue().remoteLinks).toHaveLength(1);
    });

    for (const [name, fault] of [
      ["an answer later than the time limit", { delayMs: 800 }],
      ["a reset after the work", { reset: true, afterWork: true }],
    ] as const) {
      it(`counts a transition named by name as done after ${name}`, async () => {
        const byName = syncSettings({
          transitions: { merge_request_opened: "Send to review" },
        });
        jira.fault({ method: "POST", path: /\/transitions$/ }, fault);

        const outcome = await deliver(
          "transition",
          "merge_request_opened",
          {},
          undefined,
          byName,
        );

        expect(issue().status).toBe("In Review");
        expect(outcome.details).toMatchObject({
          transition: "Send to review",
          moved: true,
          answer_lost: true,
        });
        expect(seen()).toEqual([
          `GET ${ISSUE}?fields=status`,
          `GET ${ISSUE}/transitions`,
          `POST ${ISSUE}/transitions`,
          `GET ${ISSUE}?fields=status`,
        ]);
      });
    }

    it("keeps a transition's 503 when the ticket did not move", async () => {
      const byName = syncSettings({
        transitions: { merge_request_opened: "Send to review" },
      });
      jira.fault(
        { method: "POST", path: /\/transitions$/ },
        { status: 503, retryAfter: "2" },
      );

      const error = await deliver(
        "transition",
        "merge_request_opened",
        {},
        undefined,
        byName,
      ).catch((e) => e);

      expect(error).toMatchObject({ transient: true, retryAfterMs: 2000 });
      expect(issue().status).toBe("In Progress");
    });

    it("passes on a 503's Retry-After and transitions once on the retry", async () => {
      jira.fault(
        { method: "POST", path: /\/transitions$/ },
        { status: 503, retryAfter: "1" },
      );

      const error = await deliver("transition", "merged", {}).catch((e) => e);
      expect(error).toBeInstanceOf(OutboundError);
      expect(error.transient).toBe(true);
      expect(error.retryAfterMs).toBe(1000);
      expect(issue().status).toBe("In Progress");

      await deliver("transition", "merged", {});
      expect(issue().status).toBe("Done");
      expect(
        jira.requests.filter((entry) => entry.method === "POST"),
      ).toHaveLength(2);
    });
  });

  it("names credentials.token, never the token, when Jira refuses it", async () => {
    const wrong = "NjU4OTQ0MjE3NzA5Oklx-revoked-token";
    const error = await deliver(
      "comment",
      "started",
      {},
      {
        base_url: jira.url,
        token: wrong,
      },
    ).catch((e) => e);

    expect(error).toBeInstanceOf(OutboundError);
    expect(error.transient).toBe(false);
    expect(error.message).toContain("credentials.token");
    expect(error.message).not.toContain(wrong);
    expect(error.message).not.toContain(TOKEN);
  });

  it("asks for credentials.base_url when the trigger has none", async () => {
    await expect(
      deliver("link", "merge_request_opened", {}, { token: TOKEN }),
    ).rejects.toMatchObject({
      transient: false,
      message: expect.stringContaining("credentials.base_url"),
    });
    expect(jira.requests).toEqual([]);
  });
});

function runReport(event: SyncEvent): RunReport {
  const opened = event !== "started" && event !== "failed";
  return {
    event,
    runId: 41,
    runUrl: RUN_URL,
    status: event === "failed" ? "failed" : "running",
    externalSystem: "jira_dc",
    externalReference: "BILL-9",
    externalUrl: "https://elsewhere.example/browse/BILL-9",
    branch: "ai/BILL-9-rounding",
    mergeRequest: opened ? { iid: 12, webUrl: MR_URL } : null,
    error: event === "failed" ? "merge blocked by [~admin] {code}" : null,
    at: "2025-05-01T10:00:00.000Z",
  };
}

function reporterOf(reporter: Reporter | undefined): Reporter {
  if (!reporter) throw new Error("the Jira DC source has no reporter");
  return reporter;
}
