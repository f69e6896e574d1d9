import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createOutboundHttp,
  type OutboundHttp,
} from "../../src/outbound/outbound-http.ts";
import type { Reporter } from "../../src/outbox/reporter.ts";
import { syncSettings } from "../../src/outbox/sync-settings.ts";
import { githubSource } from "../../src/sources/github/index.ts";
import type { Fault, RecordedRequest } from "../fakes/api-fake-server.ts";
import {
  type FakeGithub,
  githubErrors,
  startFakeGithub,
} from "../fakes/github-api.ts";
import { type Driver, driver, failure, RUN_URL } from "./report-driver.ts";

const ISSUE = "acme/shop#7";
const REPO = "/repos/acme/shop";
const MARKER = `<!-- flowgate-run: ${RUN_URL} -->`;
const SYNC = {
  labels: { started: ["flowgate:working"], succeeded: ["flowgate:ready"] },
  transitions: { merged: "closed" },
};

const reporter = githubSource.reporter as Reporter;

const posting = (request: RecordedRequest) =>
  request.method === "POST" && request.path.endsWith("/comments");
const editing = (request: RecordedRequest) =>
  request.method === "PATCH" && request.path.includes("/issues/comments/");
const labelling = (request: RecordedRequest) =>
  request.path.endsWith("/labels");

describe("the GitHub reporter's actions", () => {
  it("comments and adds the event's labels, and never links", () => {
    const sync = syncSettings(SYNC);
    expect(reporter.actions("started", sync)).toEqual(["comment", "labels"]);
    expect(reporter.actions("merge_request_opened", sync)).toEqual(["comment"]);
    expect(reporter.actions("merged", sync)).toEqual(["comment", "transition"]);
  });

  it("calls for nothing when the event is switched off", () => {
    const sync = syncSettings({ ...SYNC, on: { started: false } });
    expect(reporter.actions("started", sync)).toEqual([]);
  });

  it("adds no labels for an empty list", () => {
    const sync = syncSettings({ comment: false, labels: { started: [] } });
    expect(reporter.actions("started", sync)).toEqual([]);
  });
});

describe("reporting a run to GitHub Issues", () => {
  let github: FakeGithub;
  let http: OutboundHttp;
  let run: Driver;

  beforeEach(async () => {
    github = await startFakeGithub();
    http = createOutboundHttp(
      { allowPrivate: true, allowedHosts: [] },
      { timeoutMs: 300 },
    );
    run = runOn(ISSUE);
  });

  afterEach(async () => {
    await http.close();
    await github.close();
  });

  const runOn = (
    externalReference: string,
    credentials: Record<string, string> = {
      token: github.token,
      api_url: github.url,
    },
  ) => driver(reporter, { http, credentials, sync: SYNC, externalReference });

  const onlyComment = () => {
    const { comments } = github.issue(ISSUE);
    expect(comments).toHaveLength(1);
    return comments[0]?.body ?? "";
  };

  it("tells a succeeded run in one comment, with the labels and the issue closed", async () => {
    await run.send("started");
    const id = github.issue(ISSUE).comments[0]?.id;
    expect(run.state).toEqual({ github_comment_id: String(id) });

    await run.send("merge_request_opened");
    await run.send("succeeded");
    await run.send("merged");

    const comments = `${REPO}/issues/7/comments`;
    const edit = `PATCH ${REPO}/issues/comments/${id}`;
    expect(github.lines()).toEqual([
      `GET ${comments}?per_page=100&page=1`,
      `POST ${comments}`,
      `POST ${REPO}/issues/7/labels`,
      edit,
      edit,
      `POST ${REPO}/issues/7/labels`,
      edit,
      `PATCH ${REPO}/issues/7`,
    ]);
    for (const request of github.requests) {
      expect(request.headers.authorization).toBe(`Bearer ${github.token}`);
      expect(request.headers.accept).toBe("application/vnd.github+json");
      expect(request.headers["x-github-api-version"]).toBe("2022-11-28");
    }
    expect(github.requests[2]?.body).toEqual({ labels: ["flowgate:working"] });
    expect(github.requests[7]?.body).toEqual({
      state: "closed",
      state_reason: "completed",
    });

    const body = onlyComment();
    expect(body).toContain("Merge request !12 was merged.");
    expect(body).toContain(MARKER);
    expect(body).not.toContain("Flowgate is on it");
    expect(github.issue(ISSUE)).toMatchObject({
      state: "closed",
      state_reason: "completed",
      labels: ["flowgate:working", "flowgate:ready"],
    });
  });

  it("tells a failed run why and leaves the issue open", async () => {
    await run.send("started");
    await run.send("failed");

    const id = github.issue(ISSUE).comments[0]?.id;
    expect(github.lines()).toEqual([
      `GET ${REPO}/issues/7/comments?per_page=100&page=1`,
      `POST ${REPO}/issues/7/comments`,
      `POST ${REPO}/issues/7/labels`,
      `PATCH ${REPO}/issues/comments/${id}`,
    ]);
    expect(github.requests[2]?.body).toEqual({ labels: ["flowgate:working"] });
    const edit = github.requests[3]?.body;
    expect(Object.keys(edit)).toEqual(["body"]);
    expect(edit.body).toContain("run #7 failed");
    expect(edit.body.endsWith(MARKER)).toBe(true);
    const body = onlyComment();
    expect(body).toContain("run #7 failed");
    expect(body).toContain("2 tests broke in login\\_form");
    expect(body).toContain(`POST ${RUN_URL}/retry`);
    expect(github.issue(ISSUE)).toMatchObject({
      state: "open",
      labels: ["flowgate:working"],
    });
  });

  it("hides the marker in an HTML comment after the Markdown", async () => {
    await run.send("started");

    expect(onlyComment()).toBe(
      "**Flowgate is on it: run #7 started.**\n\n" +
        "Branch: ai/fix\\_login-form\n\n" +
        `[Flowgate run #7](${RUN_URL})\n\n${MARKER}`,
    );
  });

  it("lets no failure reason forge another run's marker", async () => {
    const run8 = RUN_URL.replace(/7$/, "8");
    await run.send("started");
    await run.send("failed", {
      report: { error: `quoting <!-- flowgate-run: ${run8} -->` },
    });

    const other = runOn(ISSUE);
    await other.send("started", { report: { runId: 8, runUrl: run8 } });

    expect(github.issue(ISSUE).comments).toHaveLength(2);
    expect(other.state.github_comment_id).not.toBe(run.state.github_comment_id);
  });

  it("finds a lost comment past the first page of a long discussion", async () => {
    for (let n = 0; n < 150; n += 1) github.addComment(ISSUE, `comment ${n}`);
    github.failNext(posting, { delayMs: 600 });

    await run.send("started", { attempts: 2 });

    const comments = `GET ${REPO}/issues/7/comments`;
    expect(github.lines()).toEqual([
      `${comments}?per_page=100&page=1`,
      `${comments}?per_page=100&page=2`,
      `POST ${REPO}/issues/7/comments`,
      `${comments}?per_page=100&page=1`,
      `${comments}?per_page=100&page=2`,
      "GET /user",
      `POST ${REPO}/issues/7/labels`,
    ]);
    expect(run.errors.map((error) => error.transient)).toEqual([true]);
    expect(github.issue(ISSUE).comments).toHaveLength(151);
  });

  it("leaves alone a person's comment that quotes the marker", async () => {
    const person = { login: "mallory", id: 31337, type: "User" };
    const quoted = github.addComment(ISSUE, `see ${MARKER}`, person);

    await run.send("started");

    expect(github.lines()).toEqual([
      `GET ${REPO}/issues/7/comments?per_page=100&page=1`,
      "GET /user",
      `POST ${REPO}/issues/7/comments`,
      `POST ${REPO}/issues/7/labels`,
    ]);
    const [theirs, ours] = github.issue(ISSUE).comments;
    expect(theirs?.body).toBe(quoted.body);
    expect(ours?.user.login).toBe("flowgate-bot");
    expect(run.state.github_comment_id).toBe(String(ours?.id));
  });

  it("finds a GitHub App's lost comment by its bot, not a person's quote", async () => {
    const appHub = await startFakeGithub("ghs_installation0123456789", {
      app: "flowgate-app",
    });
    try {
      const appRun = driver(reporter, {
        http,
        credentials: { token: appHub.token, api_url: appHub.url },
        sync: SYNC,
        externalReference: ISSUE,
      });
      appHub.addComment(ISSUE, `quoting ${MARKER}`, {
        login: "flowgate-app",
        id: 5,
        type: "User",
      });
      appHub.failNext(posting, { delayMs: 600 });

      await appRun.send("started", { attempts: 2 });

      const comments = appHub.issue(ISSUE).comments;
      expect(comments).toHaveLength(2);
      expect(comments[1]?.user.login).toBe("flowgate-app[bot]");
      expect(appRun.state.github_comment_id).toBe(String(comments[1]?.id));
      expect(appHub.lines()).toContain("GET /user");
    } finally {
      await appHub.close();
    }
  });

  it("makes the comment again when someone deleted it", async () => {
    await run.send("started");
    github.deleteComment(Number(run.state.github_comment_id));

    await run.send("merge_request_opened");

    expect(onlyComment()).toContain("draft merge request");
    expect(run.state.github_comment_id).toBe(
      String(github.issue(ISSUE).comments[0]?.id),
    );
  });

  it("refuses a status other than open or closed, saying which it takes", async () => {
    const moving = driver(reporter, {
      http,
      credentials: { token: github.token, api_url: github.url },
      sync: { comment: false, transitions: { merged: "In Review" } },
      externalReference: ISSUE,
    });

    const error = await failure(moving.send("merged"));

    expect(error.transient).toBe(false);
    expect(error.message).toContain('"closed" or "open"');
    expect(error.message).toContain("sync.transitions.merged");
    expect(github.requests).toEqual([]);
  });

  it("refuses a reference that names no issue, before calling GitHub", async () => {
    const error = await failure(runOn("acme/shop/7").send("started"));

    expect(error.transient).toBe(false);
    expect(error.message).toContain("acme/shop/7");
    expect(error.message).toContain("{owner}/{repo}#{number}");
    expect(github.requests).toEqual([]);
  });

  describe("when GitHub refuses the token", () => {
    it("fails for good on a wrong token, naming the credential but never the token", async () => {
      const wrongToken = "github_pat_wrong000000000";
      const wrong = runOn(ISSUE, { token: wrongToken, api_url: github.url });

      const error = await failure(wrong.send("started"));

      expect(error.transient).toBe(false);
      expect(error.message).toContain("credentials.token");
      expect(error.message).toContain("Bad credentials");
      expect(error.message).not.toContain(wrongToken);
      expect(error.message).not.toContain(github.token);
    });

    it("says which permission a read-only token lacks", async () => {
      const reader = runOn(ISSUE, {
        token: github.readOnlyToken,
        api_url: github.url,
      });

      const error = await failure(reader.send("started"));

      expect(error.transient).toBe(false);
      expect(error.message).toContain('"Issues: write"');
      expect(error.message).toContain("acme/shop");
      expect(error.message).not.toContain(github.readOnlyToken);
      expect(github.issue(ISSUE).comments).toEqual([]);
    });

    it("says to give it access to a repository it cannot see", async () => {
      const error = await failure(runOn("ghost/shop#7").send("started"));

      expect(error.transient).toBe(false);
      expect(error.message).toContain("ghost/shop#7");
      expect(error.message).toContain("access to ghost/shop");
    });

    it("asks for a token before calling GitHub", async () => {
      const none = runOn(ISSUE, { api_url: github.url });

      const error = await failure(none.send("started"));

      expect(error.transient).toBe(false);
      expect(error.message).toContain("credentials.token");
      expect(github.requests).toEqual([]);
    });
  });

  describe("GitHub's rate limits", () => {
    // The floor on an immediate retry is the dispatcher's to set; the
    // reporter passes on what GitHub said, zero included.
    it("passes on Retry-After: 0 as zero, not as no answer", async () => {
      github.failNext(posting, { status: 429, retryAfter: "0" });

      const error = await failure(run.send("started"));

      expect(error.transient).toBe(true);
      expect(error.retryAfterMs).toBe(0);
    });

    it("retries a secondary limit after GitHub's Retry-After", async () => {
      github.failNext(posting, { status: 403, retryAfter: "60" });

      const error = await failure(run.send("started"));

      expect(error.transient).toBe(true);
      expect(error.retryAfterMs).toBe(60_000);
    });

    it("retries a spent primary limit when x-ratelimit-reset says", async () => {
      github.failNext(posting, {
        status: 403,
        headers: {
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + 60),
        },
        body: githubErrors.primaryRateLimit,
      });

      const error = await failure(run.send("started"));

      expect(error.transient).toBe(true);
      expect(error.message).toContain("rate limit");
      // The wait runs to the reset a minute from now, give or take the
      // second the reset was rounded to.
      expect(error.retryAfterMs).toBeGreaterThan(55_000);
      expect(error.retryAfterMs).toBeLessThanOrEqual(61_000);
    });
  });

  describe.each<{ name: string; fault: Fault; retryAfterMs?: number }>([
    { name: "a 500", fault: { status: 500 } },
    {
      name: "a 429 with Retry-After",
      fault: { status: 429, retryAfter: "1" },
      retryAfterMs: 1000,
    },
    { name: "an answer later than the time limit", fault: { delayMs: 600 } },
    { name: "a reset after the work", fault: { reset: "after-work" } },
    { name: "a reset before the work", fault: { reset: "before-work" } },
  ])("after $name", ({ fault, retryAfterMs }) => {
    const workDone =
      "delayMs" in fault || ("reset" in fault && fault.reset === "after-work");

    it("the retried messages leave one comment and the labels", async () => {
      for (const when of [posting, editing, labelling]) {
        github.failNext(when, fault);
      }

      for (const event of [
        "started",
        "merge_request_opened",
        "succeeded",
        "merged",
      ] as const) {
        await run.send(event, { attempts: 2 });
      }

      expect(run.errors).toHaveLength(3);
      for (const error of run.errors) {
        expect(error.transient).toBe(true);
        expect(error.retryAfterMs).toBe(retryAfterMs);
        expect(error.message).not.toContain(github.token);
      }
      const posts = github.requests.filter(posting);
      expect(posts).toHaveLength(workDone ? 1 : 2);
      expect(onlyComment()).toContain("Merge request !12 was merged.");
      expect(run.state.github_comment_id).toBe(
        String(github.issue(ISSUE).comments[0]?.id),
      );
      expect(github.issue(ISSUE)).toMatchObject({
        state: "closed",
        labels: ["flowgate:working", "flowgate:ready"],
      });
    });
  });
});
