import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OutboundError } from "../../src/outbound/outbound-errors.ts";
import {
  createOutboundHttp,
  type OutboundHttp,
} from "../../src/outbound/outbound-http.ts";
import type {
  ReportCall,
  Reporter,
  ReportOutcome,
} from "../../src/outbox/reporter.ts";
import type { RunReport } from "../../src/outbox/run-report.ts";
import type { SyncEvent } from "../../src/outbox/sync-event.ts";
import {
  type SyncInput,
  syncSettings,
} from "../../src/outbox/sync-settings.ts";
import { servicenowSource } from "../../src/sources/servicenow/index.ts";
import { createServicenowReporter } from "../../src/sources/servicenow/report.ts";
import type { ServerFault } from "../fakes/fault-server.ts";
import {
  type FakeServicenow,
  startFakeServicenow,
} from "../fakes/servicenow-api.ts";
import { incident } from "../fakes/servicenow-payloads.ts";

const USERNAME = "flowgate.integration";
const PASSWORD = "Pa55-word-of-the-integration-user";
const CLIENT = {
  id: "be3aeb583ace210011c15b24a43e25d8",
  secret: "client-secret-7Qz9-never-shown",
};
const SYS_ID = incident({ number: "INC0010001" }).sys_id;
const RECORD = `/api/now/table/incident/${SYS_ID}`;
const JOURNAL = "/api/now/table/sys_journal_field";
const RUN_URL = "https://flowgate.example/api/v4/projects/1/workflows/runs/12";
const MR_URL = "https://gitlab.example/acme/desk/-/merge_requests/3";
const START = Date.parse("2026-12-03T10:00:00.000Z");
const MINUTE_MS = 60_000;

const SUCCEEDED_RUN: SyncEvent[] = [
  "started",
  "merge_request_opened",
  "succeeded",
  "merged",
];

function runReport(event: SyncEvent, minute: number): RunReport {
  const opened = event !== "started" && event !== "failed";
  return {
    event,
    runId: 12,
    runUrl: RUN_URL,
    status: event === "failed" ? "failed" : "running",
    externalSystem: "servicenow",
    externalReference: "INC0010001",
    externalUrl: null,
    branch: "ai/INC0010001-email-server",
    mergeRequest: opened ? { iid: 3, webUrl: MR_URL } : null,
    error: event === "failed" ? "the agent ran out of budget" : null,
    at: new Date(START + minute * MINUTE_MS).toISOString(),
  };
}

describe("ServiceNow reporting", () => {
  let servicenow: FakeServicenow;
  let http: OutboundHttp;
  let clock: number;
  let reporter: Reporter;

  beforeEach(async () => {
    servicenow = await startFakeServicenow({
      username: USERNAME,
      password: PASSWORD,
      client: CLIENT,
      incidents: [SYS_ID],
    });
    http = createOutboundHttp(
      { allowPrivate: true, allowedHosts: [] },
      { timeoutMs: 300 },
    );
    clock = START;
    reporter = createServicenowReporter({ now: () => clock });
  });

  afterEach(async () => {
    await http.close();
    await servicenow.close();
  });

  const basic = () => ({
    instance_url: servicenow.url,
    username: USERNAME,
    password: PASSWORD,
  });
  const oauth = () => ({
    instance_url: servicenow.url,
    client_id: CLIENT.id,
    client_secret: CLIENT.secret,
  });

  const callFor = (
    event: SyncEvent,
    options: {
      minute?: number;
      sync?: SyncInput;
      credentials?: Record<string, string>;
      body?: unknown;
      action?: ReportCall["action"];
    } = {},
  ): ReportCall => ({
    action: options.action ?? "comment",
    messageId: 1,
    attempt: 1,
    report: runReport(event, options.minute ?? 0),
    sync: syncSettings(options.sync ?? {}),
    credentials: options.credentials ?? basic(),
    replyTo:
      servicenowSource.reporter?.replyTo?.(
        options.body ?? incident({ number: "INC0010001" }),
      ) ?? {},
    state: {},
    http,
    signal: new AbortController().signal,
  });

  /** Sends each event's actions in order, as the dispatcher does. */
  const reportRun = async (
    events: SyncEvent[],
    options: { sync?: SyncInput; credentials?: Record<string, string> } = {},
  ): Promise<ReportOutcome[]> => {
    const outcomes: ReportOutcome[] = [];
    let state: Record<string, string> = {};
    for (const [index, event] of events.entries()) {
      const sync = syncSettings(options.sync ?? {});
      for (const action of reporter.actions(event, sync)) {
        const call = { ...callFor(event, { ...options, minute: index * 7 }) };
        const outcome = await reporter.deliver({ ...call, action, state });
        state = { ...state, ...outcome.state };
        outcomes.push(outcome);
      }
    }
    return outcomes;
  };

  const lines = () =>
    servicenow.requests.map((request) => `${request.method} ${request.path}`);

  it("notes each event of a succeeded run once, in work_notes, with its marker", async () => {
    await reportRun(SUCCEEDED_RUN);

    const notes = servicenow.journal(SYS_ID, "work_notes");
    expect(notes).toHaveLength(4);
    expect(notes[0]).toMatch(/^Flowgate is on it: run #12 started\./);
    expect(notes[0]).toContain("Branch: ai/INC0010001-email-server");
    expect(notes[0]).toMatch(
      /\n\n\[flowgate run 12: started 2026-12-03T10:00:00\.000Z\] \S+\/runs\/12$/,
    );
    expect(notes[1]).toContain(`Merge request !3: ${MR_URL}`);
    expect(notes[2]).toMatch(/^Flowgate finished: merge request !3 is ready/);
    expect(notes[3]).toMatch(/^Merge request !3 was merged\./);
    expect(servicenow.journal(SYS_ID, "comments")).toEqual([]);
    // Each note is looked for before it is written, nothing else is sent.
    expect(lines()).toEqual(
      SUCCEEDED_RUN.flatMap(() => [`GET ${JOURNAL}`, `PATCH ${RECORD}`]),
    );
    const auth = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64")}`;
    expect(
      servicenow.requests.every((r) => r.headers.authorization === auth),
    ).toBe(true);
    expect(servicenow.requests[0]?.query.sysparm_query).toBe(
      `element_id=${SYS_ID}^element=work_notes^valueLIKE` +
        `[flowgate run 12: started 2026-12-03T10:00:00.000Z] ${RUN_URL}`,
    );
  });

  it("notes a failed run's start and failure in comments when note_field says so", async () => {
    await reportRun(["started", "failed"], {
      sync: { note_field: "comments" },
    });

    const notes = servicenow.journal(SYS_ID, "comments");
    expect(notes).toHaveLength(2);
    expect(notes[1]).toMatch(/^Flowgate's run #12 failed\./);
    expect(notes[1]).toContain("Reason: the agent ran out of budget");
    expect(notes[1]).toContain(`POST ${RUN_URL}/retry`);
    expect(servicenow.journal(SYS_ID, "work_notes")).toEqual([]);
    expect(lines()).toEqual([
      `GET ${JOURNAL}`,
      `PATCH ${RECORD}`,
      `GET ${JOURNAL}`,
      `PATCH ${RECORD}`,
    ]);
    const failing = servicenow.requests.slice(2);
    expect(failing[0]?.query).toMatchObject({
      sysparm_query:
        `element_id=${SYS_ID}^element=comments^valueLIKE` +
        `[flowgate run 12: failed 2026-12-03T10:07:00.000Z] ${RUN_URL}`,
      sysparm_fields: "sys_id",
      sysparm_limit: "1",
    });
    expect(failing[1]?.query).toEqual({ sysparm_fields: "sys_id" });
    expect(Object.keys(failing[1]?.body ?? {})).toEqual(["comments"]);
    expect(failing[1]?.body.comments).toBe(notes[1]);
  });

  it("asks for nothing when an event is off, and never for a link", () => {
    const sync = (input: SyncInput) => syncSettings(input);
    expect(reporter.actions("merged", sync({ on: { merged: false } }))).toEqual(
      [],
    );
    expect(reporter.actions("started", sync({ link: true }))).toEqual([
      "comment",
    ]);
    expect(reporter.actions("started", sync({ comment: false }))).toEqual([]);
    expect(
      reporter.actions(
        "merged",
        sync({ comment: false, transitions: { merged: "Resolved" } }),
      ),
    ).toEqual(["transition"]);
  });

  it("moves the record's state by label or by number", async () => {
    const transitions = { started: "In Progress", merged: "6" };
    const outcomes = await reportRun(["started", "merged"], {
      sync: { transitions },
    });

    expect(servicenow.record("incident", SYS_ID)?.state).toBe("6");
    expect(outcomes.map((outcome) => outcome.details?.state)).toEqual([
      undefined,
      "In Progress",
      undefined,
      "6",
    ]);
    expect(lines()).toEqual([
      `GET ${JOURNAL}`,
      `PATCH ${RECORD}`,
      "GET /api/now/table/sys_choice",
      `PATCH ${RECORD}`,
      `GET ${JOURNAL}`,
      `PATCH ${RECORD}`,
      `PATCH ${RECORD}`,
    ]);
    const moves = servicenow.requests.filter((r) => r.body?.state);
    expect(moves.map((r) => r.body)).toEqual([{ state: "2" }, { state: "6" }]);
  });

  it("refuses a state label the table does not have, leaving the record alone", async () => {
    const call = callFor("merged", {
      action: "transition",
      sync: { transitions: { merged: "Reviewed" } },
    });

    const error = await reporter.deliver(call).catch((caught) => caught);
    expect(error).toBeInstanceOf(OutboundError);
    expect(error.transient).toBe(false);
    expect(error.message).toContain('has no state labelled "Reviewed"');
    expect(servicenow.record("incident", SYS_ID)?.state).toBe("1");
    expect(lines()).toEqual(["GET /api/now/table/sys_choice"]);
  });

  describe("with an OAuth client", () => {
    it("fetches one token and sends it as Bearer until shortly before it expires", async () => {
      await reportRun(["started", "failed"], { credentials: oauth() });
      expect(servicenow.tokensIssued()).toBe(1);
      const token = servicenow.requests[0];
      expect(token?.path).toBe("/oauth_token.do");
      expect(token?.body).toEqual({
        grant_type: "client_credentials",
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
      });
      const bearer = servicenow.requests.slice(1);
      expect(
        bearer.every((r) =>
          /^Bearer \S+$/.test(String(r.headers.authorization)),
        ),
      ).toBe(true);

      clock += (1799 - 61) * 1000;
      await reporter.deliver(callFor("succeeded", { credentials: oauth() }));
      expect(servicenow.tokensIssued()).toBe(1);

      clock += 2000;
      await reporter.deliver(callFor("merged", { credentials: oauth() }));
      expect(servicenow.tokensIssued()).toBe(2);
      expect(servicenow.journal(SYS_ID)).toHaveLength(4);
    });

    it("shares one token request between calls made at once", async () => {
      await Promise.all([
        reporter.deliver(callFor("started", { credentials: oauth() })),
        reporter.deliver(callFor("failed", { credentials: oauth() })),
      ]);
      expect(servicenow.tokensIssued()).toBe(1);
      expect(servicenow.journal(SYS_ID)).toHaveLength(2);
    });

    it("asks for a new token once when the instance refuses a cached one", async () => {
      await reporter.deliver(callFor("started", { credentials: oauth() }));
      servicenow.revokeTokens();
      await reporter.deliver(callFor("failed", { credentials: oauth() }));

      expect(servicenow.tokensIssued()).toBe(2);
      expect(lines().slice(3)).toEqual([
        `GET ${JOURNAL}`,
        "POST /oauth_token.do",
        `GET ${JOURNAL}`,
        `PATCH ${RECORD}`,
      ]);
      expect(servicenow.journal(SYS_ID)).toHaveLength(2);
    });

    it("names the client credentials it was refused, without the secret", async () => {
      const credentials = { ...oauth(), client_secret: "wrong-secret-4Kq" };
      const error = await reporter
        .deliver(callFor("started", { credentials }))
        .catch((caught) => caught);

      expect(error).toBeInstanceOf(OutboundError);
      expect(error.transient).toBe(false);
      expect(error.message).toContain(
        "credentials.client_id and credentials.client_secret",
      );
      const told = inspect(error, { depth: 10 });
      expect(told).not.toContain("wrong-secret-4Kq");
      expect(told).not.toContain(CLIENT.secret);
      expect(lines()).toEqual(["POST /oauth_token.do"]);
    });

    it("retries a token request that failed on the server's side", async () => {
      servicenow.failNext("POST", "/oauth_token.do", { status: 503 });
      const call = callFor("started", { credentials: oauth() });
      await expect(reporter.deliver(call)).rejects.toMatchObject({
        transient: true,
      });
      await reporter.deliver(call);
      expect(servicenow.tokensIssued()).toBe(1);
      expect(servicenow.journal(SYS_ID)).toHaveLength(1);
    });
  });

  it("names the Basic credentials it was refused, without the password", async () => {
    const credentials = { ...basic(), password: "not-the-password-8Zr" };
    const error = await reporter
      .deliver(callFor("started", { credentials }))
      .catch((caught) => caught);

    expect(error).toBeInstanceOf(OutboundError);
    expect(error.transient).toBe(false);
    expect(error.message).toContain("answered 401 (User Not Authenticated");
    expect(error.message).toContain(
      "credentials.username and credentials.password",
    );
    const told = inspect(error, { depth: 10 });
    expect(told).not.toContain("not-the-password-8Zr");
    expect(told).not.toContain(PASSWORD);
  });

  it("names the missing credential before calling anything", async () => {
    const { password: _, ...credentials } = basic();
    const error = await reporter
      .deliver(callFor("started", { credentials }))
      .catch((caught) => caught);
    expect(error.transient).toBe(false);
    expect(error.message).toMatch(
      /neither username and password nor client_id/,
    );
    expect(servicenow.requests).toEqual([]);
  });

  it("asks for sys_id from the business rule when the run's delivery had none", async () => {
    const body = {
      title: "Printer on fire",
      external_reference: "INC0010002",
    };
    const error = await reporter
      .deliver(callFor("started", { body }))
      .catch((caught) => caught);

    expect(error).toBeInstanceOf(OutboundError);
    expect(error.transient).toBe(false);
    expect(error.message).toContain("carried no sys_id");
    expect(error.message).toContain("docs/providers/servicenow.md");
    expect(servicenow.requests).toEqual([]);
  });

  it("tells which access the integration user lacks when the journal is unreadable", async () => {
    await servicenow.close();
    servicenow = await startFakeServicenow({
      username: USERNAME,
      password: PASSWORD,
      client: CLIENT,
      incidents: [SYS_ID],
      unreadable: ["sys_journal_field"],
    });
    const error = await reporter
      .deliver(callFor("started"))
      .catch((caught) => caught);

    expect(error.transient).toBe(false);
    expect(error.message).toMatch(/answered 403 \(User Not Authorized/);
    expect(error.message).toContain("read access to sys_journal_field");
    expect(servicenow.journal(SYS_ID)).toEqual([]);
  });

  describe("when a note's request fails", () => {
    const cases: {
      name: string;
      fault: ServerFault;
      retryAfterMs?: number;
      notedBeforeRetry: number;
    }[] = [
      { name: "a 500", fault: { status: 500 }, notedBeforeRetry: 0 },
      {
        name: "a 429 with Retry-After",
        fault: { status: 429, retryAfter: "1" },
        retryAfterMs: 1000,
        notedBeforeRetry: 0,
      },
      {
        name: "an answer later than the time limit",
        fault: { delayMs: 700 },
        notedBeforeRetry: 1,
      },
      {
        name: "a reset before the work",
        fault: { reset: true },
        notedBeforeRetry: 0,
      },
      {
        name: "a reset after the work",
        fault: { reset: true, afterWork: true },
        notedBeforeRetry: 1,
      },
    ];

    for (const { name, fault, retryAfterMs, notedBeforeRetry } of cases) {
      it(`retries after ${name} and still notes the event once`, async () => {
        servicenow.failNext("PATCH", RECORD, fault);
        const call = callFor("started");

        const error = await reporter.deliver(call).catch((caught) => caught);
        expect(error).toBeInstanceOf(OutboundError);
        expect(error.transient).toBe(true);
        expect(error.retryAfterMs).toBe(retryAfterMs);
        expect(servicenow.journal(SYS_ID)).toHaveLength(notedBeforeRetry);

        const outcome = await reporter.deliver(call);
        expect(outcome.details?.already_noted).toBe(
          notedBeforeRetry === 1 ? true : undefined,
        );
        expect(servicenow.journal(SYS_ID)).toHaveLength(1);
        expect(inspect(error, { depth: 10 })).not.toContain(PASSWORD);
      });
    }

    it("writes nothing while the journal cannot be searched", async () => {
      servicenow.failNext("GET", JOURNAL, { status: 503 });
      const call = callFor("started");

      await expect(reporter.deliver(call)).rejects.toMatchObject({
        transient: true,
      });
      expect(lines()).toEqual([`GET ${JOURNAL}`]);
      await reporter.deliver(call);
      expect(servicenow.journal(SYS_ID)).toHaveLength(1);
    });
  });

  describe("replyTo", () => {
    const replyTo = (body: unknown) =>
      servicenowSource.reporter?.replyTo?.(body);

    it("takes only the table and sys_id from the recommended body", () => {
      const body = incident({ number: "INC0010001", comment: "@flowgate go" });
      expect(replyTo(body)).toEqual({ table: "incident", sys_id: SYS_ID });
    });

    it("reads them from a generic body's context", () => {
      const sysId = "9d385017c611228701d22104cc95c371";
      const body = {
        title: "Request a laptop",
        external_reference: "RITM0010001",
        context: { table: "sc_req_item", sys_id: sysId },
      };
      expect(replyTo(body)).toEqual({ table: "sc_req_item", sys_id: sysId });
    });

    it("drops what could not be a table or a sys_id", () => {
      expect(
        replyTo({ table: "incident/../sys_user", sys_id: "../../sys_user" }),
      ).toEqual({ table: "incident" });
      expect(replyTo(undefined)).toEqual({ table: "incident" });
      expect(replyTo(["not", "an", "object"])).toEqual({ table: "incident" });
    });
  });
});
