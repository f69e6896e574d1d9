// npm run demo: the whole story on a throw-away data directory. A fresh
// Flowgate starts as its own process, gets a project and a generic
// trigger, receives one signed delivery, and the run it starts opens a
// draft merge request; the timeline, the merge request and its diff are
// printed. The process is stopped and the directory removed at the end,
// also when something fails.

import { createHmac, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  type ChildServer,
  freePort,
  startChildServer,
} from "../test/helpers/child-server.ts";

const RUN_TIMEOUT_MS = 60_000;
const FINISHED = ["succeeded", "failed", "canceled"];

interface Run {
  id: number;
  status: string;
  branch: string;
  error: string | null;
  merge_request: { iid: number; web_url: string };
  events: { name: string; at: string; duration_ms: number | null }[];
}

interface MergeRequest {
  title: string;
  description: string;
  source_branch: string;
  target_branch: string;
  state: string;
  draft: boolean;
  web_url: string;
}

interface Comparison {
  commits: { short_id: string; title: string }[];
  diffs: { new_path: string; new_file: boolean; diff: string }[];
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-demo-"));
  // On Ctrl-C too: exiting kills the server (see child-server.ts), and
  // the directory goes with it.
  process.once("exit", () =>
    fs.rmSync(dataDir, { recursive: true, force: true }),
  );
  process.once("SIGINT", () => process.exit(130));
  let server: ChildServer | undefined;
  try {
    const port = await freePort();
    heading("Starting Flowgate");
    server = await startChildServer({ dataDir, port });
    line(`server          ${server.url} (pid ${server.pid})`);
    line(`data directory  ${dataDir} (removed at the end)`);
    line(`admin token     read from ${path.join(dataDir, "admin-token")}`);
    await story(server);
  } finally {
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function story(server: ChildServer): Promise<void> {
  heading("1. Register a project (local forge, bare git repository)");
  const project = expect<{ id: number; path_with_namespace: string }>(
    await server.admin("POST", "/api/v4/projects", { path: "acme/shop" }),
    201,
    "creating the project",
  );
  line(`project ${project.path_with_namespace} has id ${project.id}`);

  heading("2. Create a generic trigger");
  const trigger = expect<{ id: number; token: string; signing_secret: string }>(
    await server.admin(
      "POST",
      `/api/v4/projects/${project.id}/workflows/triggers`,
      { source: "generic", name: "demo board" },
    ),
    201,
    "creating the trigger",
  );
  line(`trigger ${trigger.id}: token and signing secret shown only once`);
  line(`signing secret  ${abbreviate(trigger.signing_secret)}`);

  heading("3. Send a signed delivery (Standard Webhooks)");
  const delivery = signedDelivery(trigger.signing_secret, trigger.token);
  const endpoint = `${server.url}/api/v4/projects/${project.id}/workflows/trigger`;
  line(`POST ${endpoint}`);
  for (const [name, value] of Object.entries(delivery.headers)) {
    const shown = name === "x-gitlab-token" ? abbreviate(value) : value;
    line(`  ${name}: ${shown}`);
  }
  const answer = await fetch(endpoint, {
    method: "POST",
    headers: delivery.headers,
    body: delivery.body,
  });
  const accepted = (await answer.json()) as { id: number };
  line(`→ ${answer.status} ${JSON.stringify(accepted)}`);
  if (answer.status !== 202) {
    throw new Error(`the delivery was not accepted (${answer.status})`);
  }

  heading("4. Wait for the run");
  const run = await waitForRun(server, project.id, accepted.id);
  line(`run ${run.id} ${run.status} on branch ${run.branch}`);
  if (run.status !== "succeeded") {
    throw new Error(`run ${run.id} ${run.status}: ${run.error ?? "no error"}`);
  }
  printTimeline(run.events);

  heading(`5. Merge request !${run.merge_request.iid}`);
  const mergeRequest = expect<MergeRequest>(
    await server.admin(
      "GET",
      `/api/v4/projects/${project.id}/merge_requests/${run.merge_request.iid}`,
    ),
    200,
    "reading the merge request",
  );
  line(`title   ${mergeRequest.title}`);
  line(`branch  ${mergeRequest.source_branch} → ${mergeRequest.target_branch}`);
  line(`state   ${mergeRequest.state}${mergeRequest.draft ? " (draft)" : ""}`);
  line(`url     ${mergeRequest.web_url}`);
  line("");
  indent(mergeRequest.description, "  │ ");

  heading(`6. The diff (compare main...${run.branch})`);
  const comparison = expect<Comparison>(
    await server.admin(
      "GET",
      `/api/v4/projects/${project.id}/repository/compare?from=main&to=${encodeURIComponent(run.branch)}`,
    ),
    200,
    "comparing the branch",
  );
  for (const commit of comparison.commits) {
    line(`commit ${commit.short_id}  ${commit.title}`);
  }
  for (const diff of comparison.diffs) {
    line("");
    line(`${diff.new_file ? "new file" : "changed"} ${diff.new_path}`);
    indent(diff.diff, "  ");
  }
  heading("Done");
}

/**
 * Signs the way any Standard Webhooks sender does:
 *   signed content = webhook-id + "." + webhook-timestamp + "." + raw body
 *   key            = base64-decode(secret without its "whsec_" prefix)
 *   signature      = "v1," + base64(HMAC-SHA256(key, signed content))
 */
function signedDelivery(secret: string, token: string) {
  const body = JSON.stringify({
    title: "Let customers pay with gift cards",
    description:
      "Customers ask to redeem gift cards at checkout alongside cards.",
    external_reference: "SHOP-42",
    external_url: "https://tracker.example.com/browse/SHOP-42",
    external_system: "jira",
    context: {
      acceptance_criteria: [
        "A gift card code can be entered at checkout",
        "The remaining balance is shown after payment",
      ],
      priority: "high",
    },
  });
  const id = `msg_${randomUUID()}`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const signature = createHmac("sha256", key)
    .update(`${id}.${timestamp}.${body}`)
    .digest("base64");
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-gitlab-token": token,
      "webhook-id": id,
      "webhook-timestamp": timestamp,
      "webhook-signature": `v1,${signature}`,
    },
  };
}

async function waitForRun(
  server: ChildServer,
  projectId: number,
  runId: number,
): Promise<Run> {
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  for (;;) {
    const run = expect<Run>(
      await server.admin(
        "GET",
        `/api/v4/projects/${projectId}/workflows/runs/${runId}`,
      ),
      200,
      "reading the run",
    );
    if (FINISHED.includes(run.status)) return run;
    if (Date.now() > deadline) {
      throw new Error(`run ${runId} is still ${run.status} after 60 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function printTimeline(
  events: { name: string; at: string; duration_ms: number | null }[],
): void {
  line("");
  line("timeline");
  const start = Date.parse(events[0]?.at ?? "");
  for (const event of events) {
    const offset = `+${Date.parse(event.at) - start} ms`.padStart(9);
    const took = event.duration_ms === null ? "" : ` (${event.duration_ms} ms)`;
    line(`  ${offset}  ${event.name}${took}`);
  }
}

function expect<T>(
  answer: { status: number; body: unknown },
  status: number,
  what: string,
): T {
  if (answer.status !== status) {
    throw new Error(
      `${what} answered ${answer.status}: ${JSON.stringify(answer.body)}`,
    );
  }
  return answer.body as T;
}

function abbreviate(secret: string): string {
  return `${secret.slice(0, 10)}…`;
}

function heading(text: string): void {
  console.log(`\n== ${text}`);
}

function line(text: string): void {
  console.log(text ? `   ${text}` : "");
}

function indent(text: string, prefix: string): void {
  for (const row of text.replace(/\n$/, "").split("\n")) {
    console.log(`   ${prefix}${row}`);
  }
}

main().catch((error: unknown) => {
  console.error(
    "\ndemo failed:",
    error instanceof Error ? error.message : error,
  );
  process.exitCode = 1;
});
