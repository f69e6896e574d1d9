import { createHmac } from "node:crypto";
import { sign as signGithubStyle } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import {
  type CreatedTrigger,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";
import { post, triggerUrl } from "../ingress/raw-requests.ts";

/** A real server with one project, for the provider suites. */
export interface ProviderServer {
  server: TestServer;
  projectId: number;
  /** A trigger of `source`, without a rate limit; `settings` as the API. */
  trigger(
    source: string,
    settings?: Record<string, unknown>,
  ): Promise<CreatedTrigger>;
  /** POSTs bytes to a trigger's own URL exactly as given. */
  send(
    trigger: CreatedTrigger,
    headers: Record<string, string>,
    body: string | Buffer,
  ): Promise<{ status: number; body: any }>;
  run(id: number): Promise<any>;
  runs(externalReference: string): Promise<any[]>;
  /** The run row as stored: description and context included. */
  stored(id: number): Promise<StoredRun>;
  followUps(
    runId: number,
  ): Promise<{ instruction: string; author: string | null }[]>;
  /** The newest delivery of a trigger in the delivery log, of one
   * outcome when given. */
  lastDelivery(triggerId: number, outcome?: string): Promise<any>;
  close(): Promise<void>;
}

export interface StoredRun {
  title: string;
  description: string;
  external_reference: string;
  external_url: string | null;
  external_system: string;
  status: string;
  context: Record<string, any>;
}

export async function startProviderServer(
  env: Record<string, string> = {},
): Promise<ProviderServer> {
  const server = await startTestServer({
    env: { FLOWGATE_AUTH_FAILURES_PER_MINUTE: "100000", ...env },
  });
  const project = await server.createProject();
  return {
    server,
    projectId: project.id,
    trigger: (source, settings = {}) =>
      server.createTrigger(project.id, {
        source,
        rate_limit: { limit: 0, window_s: 60 },
        ...settings,
      }),
    async send(trigger, headers, body) {
      const answer = await post(
        server,
        triggerUrl(project.id, trigger.id),
        headers,
        body,
      );
      return { status: answer.status, body: answer.body };
    },
    async run(id) {
      const answer = await server.admin(
        "GET",
        `/api/v4/projects/${project.id}/workflows/runs/${id}`,
      );
      return answer.body;
    },
    async runs(externalReference) {
      const answer = await server.admin(
        "GET",
        `/api/v4/projects/${project.id}/workflows/runs?external_reference=${encodeURIComponent(externalReference)}`,
      );
      return answer.body;
    },
    async stored(id) {
      const row = await server.app.store.db
        .selectFrom("runs")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      return { ...row, context: JSON.parse(row.context) };
    },
    followUps: (runId) =>
      server.app.store.db
        .selectFrom("run_follow_ups")
        .select(["instruction", "author"])
        .where("run_id", "=", runId)
        .orderBy("id")
        .execute(),
    async lastDelivery(triggerId, outcome) {
      // Refused and ignored deliveries are written shortly after the
      // answer, so one answered earlier may be written after an accepted
      // one: ask for the outcome to get the newest of that kind.
      await server.app.ingress.refusals.flush();
      const only = outcome ? `&outcome=${outcome}` : "";
      const answer = await server.admin(
        "GET",
        `/api/v4/projects/${project.id}/workflows/deliveries?trigger_id=${triggerId}${only}`,
      );
      return answer.body[0];
    },
    close: () => server.close(),
  };
}

/** GitHub's scheme, signed by GitHub's own package. */
export async function githubHeaders(
  secret: string,
  body: string,
  event: string,
  delivery: string = crypto.randomUUID(),
): Promise<Record<string, string>> {
  return {
    "content-type": "application/json",
    "x-github-event": event,
    "x-github-delivery": delivery,
    "x-hub-signature-256": await signGithubStyle(secret, body),
  };
}

/** Jira's admin webhooks sign as GitHub does (`sha256=<hex>`), under
 * X-Hub-Signature; GitHub's package makes the same value. `identifier`
 * null sends no X-Atlassian-Webhook-Identifier, as Data Center may. */
export async function jiraHeaders(
  secret: string,
  body: string,
  identifier: string | null = crypto.randomUUID(),
): Promise<Record<string, string>> {
  return {
    "content-type": "application/json",
    "x-hub-signature": await signGithubStyle(secret, body),
    ...(identifier ? { "x-atlassian-webhook-identifier": identifier } : {}),
  };
}

/** Linear's scheme: hex HMAC of the body (checked against Linear's SDK
 * in linear.test.ts, "signs the way Linear's own SDK verifies"). */
export function linearHeaders(
  secret: string,
  body: string,
  delivery: string = crypto.randomUUID(),
): Record<string, string> {
  return {
    "content-type": "application/json",
    "linear-delivery": delivery,
    "linear-event": "Issue",
    "linear-signature": createHmac("sha256", secret).update(body).digest("hex"),
  };
}

/** Slack's v0 scheme (checked against Bolt's verifier in
 * slack.test.ts). */
export function slackHeaders(
  secret: string,
  body: string,
  options: { timestamp?: number; form?: boolean } = {},
): Record<string, string> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = createHmac("sha256", secret)
    .update(`v0:${timestamp}:${body}`)
    .digest("hex");
  return {
    "content-type": options.form
      ? "application/x-www-form-urlencoded"
      : "application/json",
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": `v0=${signature}`,
  };
}

/** Standard Webhooks, by the `standardwebhooks` package. */
export function standardHeaders(
  secret: string,
  body: string,
): Record<string, string> & { "webhook-signature": string } {
  const id = `msg_${crypto.randomUUID()}`;
  const at = new Date();
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, at, body),
  };
}

/** The hex HMAC-SHA256 of raw bytes, for bodies a string cannot carry;
 * the suites show it equals what the providers' packages compute. */
export function hmacHex(secret: string, ...parts: (string | Buffer)[]) {
  const hmac = createHmac("sha256", secret);
  for (const part of parts) hmac.update(part);
  return hmac.digest("hex");
}
