import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  API_TOKEN,
  eventsNamed,
  type GitLabExecutorFixture,
  PROJECT_ID,
  runOf,
  sendTicket,
  startGitLabExecutorFixture,
} from "./gitlab-executor-fixture.ts";

// A GitLab that answers a create with a 307 or 308 to another origin
// would have the request, body and all, repeated there: the goal and
// ticket of a flow, the ticket of a pipeline. Flowgate refuses such a
// redirect instead of following it, and says so on the run.

let fixture: GitLabExecutorFixture;
let elsewhere: http.Server;
let elsewhereUrl: string;
const seenElsewhere: {
  method: string | undefined;
  url: string | undefined;
  body: string;
}[] = [];

beforeAll(async () => {
  elsewhere = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      seenElsewhere.push({
        method: request.method,
        url: request.url,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      response.writeHead(201, { "content-type": "application/json" });
      response.end(JSON.stringify({ id: 1 }));
    });
  });
  await new Promise<void>((resolve) =>
    elsewhere.listen(0, "127.0.0.1", () => resolve()),
  );
  // The same address by another name is another origin.
  elsewhereUrl = `http://localhost:${(elsewhere.address() as AddressInfo).port}`;

  fixture = await startGitLabExecutorFixture();
  const redirect = (status: number) => () => ({
    status,
    headers: { location: `${elsewhereUrl}/collect` },
  });
  fixture.gitlab.route({
    method: "POST",
    pattern: /^\/api\/v4\/ai\/duo_workflows\/workflows$/,
    handle: redirect(307),
  });
  fixture.gitlab.route({
    method: "POST",
    pattern: new RegExp(`^/api/v4/projects/${PROJECT_ID}/pipeline$`),
    handle: redirect(308),
  });
});
afterAll(async () => {
  await fixture.close();
  await new Promise((resolve) => elsewhere.close(resolve));
});

async function runWith(executor: string, reference: string) {
  const trigger = await fixture.server.createTrigger(PROJECT_ID, { executor });
  const runId = await sendTicket(fixture.server, trigger, {
    external_reference: reference,
    title: "Export invoices as PDF",
    description: "Customers want PDF invoices.",
  });
  await fixture.server.waitForRun(PROJECT_ID, runId);
  return runOf(fixture.server, runId);
}

describe("a GitLab create redirected to another origin", () => {
  it("is refused for a flow: nothing reaches the other origin and the run says why", async () => {
    const run = await runWith("gitlab_duo", "MOVED-1");

    expect(run.status).toBe("failed");
    expect(run.error).toContain("Starting a GitLab Duo flow");
    expect(run.error).toContain("redirected to another origin");
    expect(run.error).toContain(elsewhereUrl);
    expect(eventsNamed(run, "retry_scheduled")).toEqual([]);
    expect(seenElsewhere).toEqual([]);
  });

  it("is refused for a pipeline, whose body holds the ticket", async () => {
    const run = await runWith("gitlab_pipeline", "MOVED-2");

    expect(run.status).toBe("failed");
    expect(run.error).toContain("Creating a pipeline on main");
    expect(run.error).toContain("redirected to another origin");
    expect(run.error).not.toContain(API_TOKEN);
    expect(seenElsewhere).toEqual([]);
  });
});
