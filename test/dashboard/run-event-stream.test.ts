import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CreatedTrigger,
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";
import { DashboardClient } from "./dashboard-client.ts";
import {
  EventStreamReader,
  type ServerSentEvent,
} from "./event-stream-reader.ts";

// The live runs stream the dashboard watches (docs/api.md): a signed
// delivery's run shows up on it as the runs list shows it, and a
// reconnection with Last-Event-ID picks up where the last one stopped.

let server: TestServer;
let projectId: number;
let trigger: CreatedTrigger;
let streamUrl: string;
const open: EventStreamReader[] = [];

beforeAll(async () => {
  server = await startTestServer();
  projectId = (await server.createProject("acme/live")).id;
  trigger = await server.createTrigger(projectId);
  streamUrl = `${server.url}/api/v4/projects/${projectId}/workflows/runs/events`;
});
afterAll(async () => {
  for (const reader of open) reader.close();
  await server.close();
});

async function openStream(headers: Record<string, string> = {}) {
  const reader = await EventStreamReader.open(streamUrl, {
    authorization: `Bearer ${server.adminToken}`,
    ...headers,
  });
  open.push(reader);
  await reader.connected();
  return reader;
}

async function sendTicket(reference: string): Promise<number> {
  const answer = await deliver(
    server,
    projectId,
    signGeneric(
      trigger.signing_secret,
      { title: `Live ${reference}`, external_reference: reference },
      { token: trigger.token },
    ),
  );
  expect(answer.status).toBe(202);
  return answer.body.id;
}

const runOf = (event: ServerSentEvent) =>
  JSON.parse(event.data) as Record<string, unknown>;
const isRun = (runId: number, status?: string) => (event: ServerSentEvent) =>
  event.event === "run" &&
  runOf(event).id === runId &&
  (status === undefined || runOf(event).status === status);

describe("GET …/workflows/runs/events", () => {
  it("streams a delivered run as the runs list shows it, until it succeeds", async () => {
    const reader = await openStream();
    expect(reader.status).toBe(200);
    expect(reader.contentType).toMatch(/^text\/event-stream/);

    const runId = await sendTicket("LIVE-1");
    const first = await reader.next(isRun(runId));
    const done = await reader.next(isRun(runId, "succeeded"));

    expect(runOf(first)).toMatchObject({
      project_id: projectId,
      external_reference: "LIVE-1",
    });
    const listed = await server.admin(
      "GET",
      `/api/v4/projects/${projectId}/workflows/runs?external_reference=LIVE-1`,
    );
    expect(runOf(done)).toEqual(listed.body[0]);
    expect(done.id).toMatch(/^\d+\.\d+$/);
  });

  it("resumes after Last-Event-ID with the runs delivered meanwhile", async () => {
    const reader = await openStream();
    const seen = await sendTicket("LIVE-2");
    const last = await reader.next(isRun(seen, "succeeded"));
    reader.close();

    // Delivered and finished while no stream was open.
    const missed = await sendTicket("LIVE-2B");
    await server.waitForRun(projectId, missed);
    const resumed = await openStream({ "last-event-id": last.id ?? "" });
    const caughtUp = await resumed.next(isRun(missed, "succeeded"));

    expect(last.id).toMatch(/^\d+\.\d+$/);
    expect(runOf(caughtUp).external_reference).toBe("LIVE-2B");
  });

  it("streams to a dashboard session's cookie", async () => {
    const client = new DashboardClient(server.url);
    await client.signIn(server.adminToken);
    const reader = await EventStreamReader.open(streamUrl, {
      cookie: client.cookie ?? "",
    });
    open.push(reader);

    const runId = await sendTicket("LIVE-3");
    const event = await reader.next(isRun(runId));

    expect(runOf(event).external_reference).toBe("LIVE-3");
  });

  it("refuses a request without a token or session", async () => {
    const response = await fetch(streamUrl);

    expect(response.status).toBe(401);
  });
});

describe("a server closing with a live runs stream open", () => {
  it("ends the stream instead of waiting for the browser", async () => {
    const own = await startTestServer();
    const project = await own.createProject("acme/closing");
    const reader = await EventStreamReader.open(
      `${own.url}/api/v4/projects/${project.id}/workflows/runs/events`,
      { authorization: `Bearer ${own.adminToken}` },
    );
    await reader.connected();

    await own.close();
    await reader.end();

    expect(reader.ended).toBe(true);
  });
});
