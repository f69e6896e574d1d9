import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CallbackReceiver,
  startCallbackReceiver,
} from "../fakes/callback-receiver.ts";
import { readJson } from "../helpers/admin-request.ts";
import {
  createTestDatabase,
  type TestDatabase,
  unavailable,
} from "../helpers/postgres.ts";
import {
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

// GitLab's merge request webhook of a GitLab project (issue 7), through
// the real server: a merge of a run's merge request is on the run's
// timeline and told once to the trigger's callback URL, whatever GitLab
// repeats; deliveries prove themselves with the project's secret.

const PROJECT = 5301;

let server: TestServer;
let receiver: CallbackReceiver;
let webhookUrl: string;
let webhookSecret: string;
let triggerId: number;
let signingSecret = "";

beforeAll(async () => {
  server = await startTestServer({
    env: { FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" },
  });
  receiver = await startCallbackReceiver(() => signingSecret);
  const created = await server.admin("POST", "/api/v4/projects", {
    id: PROJECT,
    path: "gitlab-org/hooked",
    forge: {
      type: "gitlab",
      base_url: "https://gitlab.example.com",
      token: "glpat-service-account-0123456789",
    },
  });
  expect(created.status).toBe(201);
  webhookUrl = created.body.webhook_url;
  webhookSecret = created.body.webhook_secret;
  const trigger = await server.createTrigger(PROJECT, {
    sync: { callback_url: receiver.url },
  });
  triggerId = trigger.id;
  signingSecret = trigger.signing_secret;
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});

let runs = 0;
/** A run that opened merge request `iid`, as the forge would leave it. */
async function runWithMergeRequest(
  iid: number,
  on = { server, triggerId },
): Promise<number> {
  runs += 1;
  const at = new Date().toISOString();
  const row = await on.server.app.store.db
    .insertInto("runs")
    .values({
      project_id: PROJECT,
      trigger_id: on.triggerId,
      workflow_type: "developer",
      executor: "agent",
      external_system: "generic",
      external_reference: `HOOK-${runs}`,
      title: `Ticket HOOK-${runs}`,
      description: "",
      context: "{}",
      status: "succeeded",
      branch: `ai/hook-${runs}`,
      merge_request_iid: iid,
      received_at: at,
      verified_at: at,
      admission: JSON.stringify({ source: "generic", auth: "signature" }),
      created_at: at,
      started_at: at,
      finished_at: at,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

function mergeRequestEvent(iid: number, action: string) {
  return {
    object_kind: "merge_request",
    event_type: "merge_request",
    user: { id: 7, name: "Mia Merger", username: "mia" },
    project: { id: PROJECT, path_with_namespace: "gitlab-org/hooked" },
    object_attributes: {
      iid,
      action,
      state: action === "merge" ? "merged" : "closed",
      source_branch: `ai/hook-${iid}`,
      target_branch: "main",
    },
  };
}

async function post(
  body: unknown,
  headers: Record<string, string>,
  url: string = webhookUrl,
) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return readJson(response);
}

const fromGitLab = (key: string, event = "Merge Request Hook") => ({
  "x-gitlab-event": event,
  "x-gitlab-token": webhookSecret,
  "idempotency-key": key,
});

async function timeline(runId: number) {
  const run = await server.admin(
    "GET",
    `/api/v4/projects/${PROJECT}/workflows/runs/${runId}`,
  );
  return (run.body.events as { name: string; details: any }[]).map(
    (event) => event.name,
  );
}

const mergedCallbacks = (runId: number) =>
  receiver
    .accepted()
    .filter((entry) => entry.type === "run.merged" && entry.data.id === runId);

async function auditActions() {
  const listed = await server.admin(
    "GET",
    `/api/v4/projects/${PROJECT}/workflows/audit_events?per_page=100`,
  );
  return listed.body as Array<Record<string, any>>;
}

describe("GitLab's merge request webhook", () => {
  it("records a merge on the run and tells it once to the callback URL", async () => {
    const runId = await runWithMergeRequest(11);
    const answer = await post(
      mergeRequestEvent(11, "merge"),
      fromGitLab("b3e2f5a0-merge-11"),
    );

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      status: "accepted",
      run_id: runId,
      event: "merged",
    });
    expect(await timeline(runId)).toContain("merged");
    await receiver.waitFor(() => mergedCallbacks(runId).length === 1);
    expect(mergedCallbacks(runId)[0]).toMatchObject({
      verified: true,
      data: { id: runId, merge_request: { iid: 11 } },
    });
  });

  it("reports nothing more when GitLab sends the same event again", async () => {
    const runId = await runWithMergeRequest(12);
    const event = mergeRequestEvent(12, "merge");
    const first = await post(event, fromGitLab("key-merge-12"));
    expect(first.body.status).toBe("accepted");
    await receiver.waitFor(() => mergedCallbacks(runId).length === 1);

    const again = await post(event, fromGitLab("key-merge-12"));
    expect(again.status).toBe(200);
    expect(again.body).toEqual({
      status: "duplicate",
      run_id: runId,
      reason: "event key-merge-12 was received before",
    });
    // The same merge under a new key (a resend by hand) tells nothing
    // either: a merge request is merged once.
    const resent = await post(event, fromGitLab("key-merge-12-resent"));
    expect(resent.body).toMatchObject({ status: "duplicate", run_id: runId });
    expect(resent.body.reason).toContain("recorded on run");

    const messages = await server.admin(
      "GET",
      `/api/v4/projects/${PROJECT}/workflows/runs/${runId}/messages`,
    );
    expect(
      (messages.body as { event: string }[]).filter(
        (message) => message.event === "merged",
      ),
    ).toHaveLength(1);
    const names = await timeline(runId);
    expect(names.filter((name) => name === "merged")).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mergedCallbacks(runId)).toHaveLength(1);
  });

  it("tells a merge once when both copies of an event arrive at once", async () => {
    const runId = await runWithMergeRequest(16);
    const event = mergeRequestEvent(16, "merge");
    const answers = await Promise.all([
      post(event, fromGitLab("key-merge-16")),
      post(event, fromGitLab("key-merge-16")),
    ]);

    expect(answers.map((answer) => answer.body.status).sort()).toEqual([
      "accepted",
      "duplicate",
    ]);
    await receiver.waitFor(() => mergedCallbacks(runId).length === 1);
  });

  it("tells the newest run on a merge request that several runs shared", async () => {
    await runWithMergeRequest(13);
    const newest = await runWithMergeRequest(13);
    const answer = await post(
      mergeRequestEvent(13, "merge"),
      fromGitLab("key-merge-13"),
    );
    expect(answer.body.run_id).toBe(newest);
  });

  it("refuses a wrong or missing secret with 401 and audits it", async () => {
    const event = mergeRequestEvent(11, "merge");
    const wrong = await post(event, {
      ...fromGitLab("key-wrong"),
      "x-gitlab-token": `${webhookSecret.slice(0, -2)}xx`,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ message: "401 Unauthorized" });

    const missing = await post(event, {
      "x-gitlab-event": "Merge Request Hook",
    });
    expect(missing.status).toBe(401);

    const refused = (await auditActions()).filter(
      (audit) =>
        audit.details.custom_message === "refused GitLab webhook delivery",
    );
    expect(refused.map((audit) => audit.details.reason)).toEqual(
      expect.arrayContaining([
        "token mismatch: 401 Unauthorized",
        "token missing: 401 Unauthorized",
      ]),
    );
    expect(refused[0]?.details).toMatchObject({
      author_name: "unauthenticated sender",
      ip_address: "127.0.0.1",
      status: 401,
    });
  });

  it("accepts a delivery signed the Standard Webhooks way with the secret", async () => {
    const runId = await runWithMergeRequest(14);
    const signed = signGeneric(webhookSecret, mergeRequestEvent(14, "close"));
    const answer = await post(signed.body, {
      ...signed.headers,
      "x-gitlab-event": "Merge Request Hook",
    });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: "accepted",
      event: "merge_request_closed",
    });
    expect(await timeline(runId)).toContain("merge_request_closed");
  });

  it("refuses a signature made with another secret", async () => {
    const signed = signGeneric(
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      mergeRequestEvent(14, "close"),
    );
    const answer = await post(signed.body, {
      ...signed.headers,
      "x-gitlab-event": "Merge Request Hook",
    });
    expect(answer.status).toBe(401);
  });

  it("records a close on the run without telling the ticket", async () => {
    const runId = await runWithMergeRequest(15);
    const answer = await post(
      mergeRequestEvent(15, "close"),
      fromGitLab("key-close-15"),
    );

    expect(answer.body).toMatchObject({
      status: "accepted",
      event: "merge_request_closed",
    });
    expect(await timeline(runId)).toContain("merge_request_closed");
    const messages = await server.admin(
      "GET",
      `/api/v4/projects/${PROJECT}/workflows/runs/${runId}/messages`,
    );
    expect(messages.body).toEqual([]);
  });

  it("ignores a push event, other actions and merge requests of no run", async () => {
    const push = await post(
      { object_kind: "push", ref: "refs/heads/main" },
      fromGitLab("key-push", "Push Hook"),
    );
    expect(push.status).toBe(200);
    expect(push.body).toEqual({
      status: "ignored",
      reason:
        "Flowgate acts only on merge request events; this was a Push Hook",
    });

    const opened = await post(
      mergeRequestEvent(11, "open"),
      fromGitLab("key-open"),
    );
    expect(opened.body.status).toBe("ignored");
    expect(opened.body.reason).toContain('action "open"');

    const stranger = await post(
      mergeRequestEvent(999, "merge"),
      fromGitLab("key-999"),
    );
    expect(stranger.body).toEqual({
      status: "ignored",
      reason: "no Flowgate run opened merge request !999",
    });
    const ignored = (await auditActions()).filter(
      (audit) =>
        audit.details.custom_message === "ignored GitLab webhook delivery",
    );
    expect(ignored.length).toBeGreaterThanOrEqual(3);
  });

  it("answers 400 naming the field when a merge request event has no iid", async () => {
    const answer = await post(
      { object_kind: "merge_request", object_attributes: { action: "merge" } },
      fromGitLab("key-no-iid"),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toHaveProperty(["object_attributes.iid"]);
  });

  it("answers 404 for a project that is not on GitLab, and 405 to a GET", async () => {
    const local = await server.createProject("acme/local-hook");
    const notGitLab = await post(
      mergeRequestEvent(11, "merge"),
      fromGitLab("key-local"),
      `${server.url}/api/v4/projects/${local.id}/gitlab/webhook`,
    );
    expect(notGitLab.status).toBe(404);
    expect(notGitLab.body).toEqual({ message: "404 Not Found" });

    const get = await fetch(webhookUrl);
    expect(get.status).toBe(405);
  });

  it("refuses a body that is not JSON with 415", async () => {
    const response = await fetch(webhookUrl, {
      method: "POST",
      headers: { "content-type": "text/plain", ...fromGitLab("key-text") },
      body: "merged",
    });
    expect(response.status).toBe(415);
    const refused = (await auditActions()).find(
      (audit) => audit.details.status === 415,
    );
    expect(refused?.details.custom_message).toBe(
      "refused GitLab webhook delivery",
    );
  });

  it("never writes the webhook secret to the log", () => {
    expect(server.logs.text).not.toContain(webhookSecret);
  });
});

describe.skipIf(unavailable("postgres"))("on PostgreSQL", () => {
  let database: TestDatabase | undefined;
  let onPostgres: TestServer | undefined;
  let pgReceiver: CallbackReceiver | undefined;
  afterAll(async () => {
    await onPostgres?.close();
    await pgReceiver?.close();
    await database?.drop();
  });

  it("tells a merge once when both copies of an event arrive at once", async () => {
    database = await createTestDatabase();
    onPostgres = await startTestServer({
      env: {
        FLOWGATE_DATABASE_URL: database.url,
        FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true",
      },
    });
    let secret = "";
    pgReceiver = await startCallbackReceiver(() => secret);
    const created = await onPostgres.admin("POST", "/api/v4/projects", {
      id: PROJECT,
      path: "gitlab-org/hooked",
      forge: {
        type: "gitlab",
        base_url: "https://gitlab.example.com",
        token: "glpat-service-account-0123456789",
      },
    });
    const trigger = await onPostgres.createTrigger(PROJECT, {
      sync: { callback_url: pgReceiver.url },
    });
    secret = trigger.signing_secret;
    const runId = await runWithMergeRequest(21, {
      server: onPostgres,
      triggerId: trigger.id,
    });

    const headers = {
      "x-gitlab-event": "Merge Request Hook",
      "x-gitlab-token": created.body.webhook_secret as string,
      "idempotency-key": "key-merge-21",
    };
    const event = mergeRequestEvent(21, "merge");
    const url = created.body.webhook_url as string;
    const answers = await Promise.all([
      post(event, headers, url),
      post(event, headers, url),
      post(event, headers, url),
    ]);

    expect(answers.map((answer) => answer.body.status).sort()).toEqual([
      "accepted",
      "duplicate",
      "duplicate",
    ]);
    const receiverOnPostgres = pgReceiver;
    await receiverOnPostgres.waitFor(() =>
      receiverOnPostgres
        .accepted()
        .some((entry) => entry.type === "run.merged"),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(
      receiverOnPostgres
        .accepted()
        .filter(
          (entry) => entry.type === "run.merged" && entry.data.id === runId,
        ),
    ).toHaveLength(1);
  });
});
