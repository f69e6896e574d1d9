import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CallbackReceiver,
  startCallbackReceiver,
} from "../fakes/callback-receiver.ts";
import {
  type CreatedTrigger,
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

// The dispatcher's timing on the real server, with its clock held by the
// test: the clock stands still unless moved, so a retry's due time is
// exact and a day passes without waiting for it.

const SECOND_MS = 1000;
const DAY_MS = 24 * 60 * 60 * SECOND_MS;

let current = Date.parse("2026-12-04T10:00:00.000Z");
const clock = () => new Date(current);

let server: TestServer;
let receiver: CallbackReceiver;
let trigger: CreatedTrigger;
let projectId: number;

beforeAll(async () => {
  current = Date.now();
  server = await startTestServer({
    env: { FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" },
    now: clock,
  });
  receiver = await startCallbackReceiver(() => trigger.signing_secret);
  projectId = (await server.createProject()).id;
  trigger = await server.createTrigger(projectId, {
    sync: { callback_url: receiver.url },
  });
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});

interface Message {
  id: number;
  event: string;
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
  give_up_at: string;
  created_at: string;
}

async function send(reference: string): Promise<number> {
  const answer = await deliver(
    server,
    projectId,
    signGeneric(
      trigger.signing_secret,
      { title: `Ticket ${reference}`, external_reference: reference },
      { token: trigger.token, timestamp: clock() },
    ),
  );
  expect(answer.status).toBe(202);
  await server.waitForRun(projectId, answer.body.id);
  return answer.body.id;
}

async function messagesOf(runId: number): Promise<Message[]> {
  const listed = await server.admin(
    "GET",
    `/api/v4/projects/${projectId}/workflows/runs/${runId}/messages`,
  );
  return listed.body;
}

/** Polls until the run's first message satisfies `done`. */
async function firstMessage(
  runId: number,
  done: (message: Message) => boolean,
): Promise<Message> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [first] = await messagesOf(runId);
    if (first && done(first)) return first;
    if (Date.now() > deadline) throw new Error(JSON.stringify(first));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The due times of the run's scheduled retries, once there are `count`. */
async function retriesScheduled(
  runId: number,
  count: number,
): Promise<number[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const run = await server.admin(
      "GET",
      `/api/v4/projects/${projectId}/workflows/runs/${runId}`,
    );
    const scheduled = (
      run.body.events as { name: string; details: { retry_at?: string } }[]
    )
      .filter((event) => event.name === "sync_retry_scheduled")
      .map((event) => Date.parse(event.details.retry_at ?? ""));
    if (scheduled.length >= count) return scheduled;
    if (Date.now() > deadline) throw new Error(`retries: ${scheduled}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function moveClock(ms: number): void {
  current += ms;
  server.app.dispatcher?.wake();
}

describe("the dispatcher's clock", () => {
  it("schedules the retry at the failure time plus Retry-After, and at least a second for Retry-After: 0", async () => {
    receiver.fail(
      { status: 429, retryAfter: "7" },
      { status: 429, retryAfter: "0" },
    );
    const failedAt = current;
    const runId = await send("CLOCK-1");

    expect(await retriesScheduled(runId, 1)).toEqual([failedAt + 7_000]);
    const [first] = await messagesOf(runId);
    expect(first).toMatchObject({ event: "started", status: "pending" });
    expect(Date.parse(first?.next_attempt_at ?? "")).toBe(failedAt + 7_000);
    expect(first?.last_error).toContain("answered 429");

    moveClock(7_000);
    expect(await retriesScheduled(runId, 2)).toEqual([
      failedAt + 7_000,
      failedAt + 7_000 + SECOND_MS,
    ]);

    moveClock(SECOND_MS);
    const delivered = await firstMessage(
      runId,
      (m) => m.status === "delivered",
    );
    expect(delivered.attempts).toBe(3);
  });

  it("gives up after 24 hours by default, saying the time ran out", async () => {
    receiver.failAll({ status: 503 });
    try {
      const runId = await send("CLOCK-2");
      const failing = await firstMessage(runId, (m) => m.attempts >= 1);
      expect(
        Date.parse(failing.give_up_at) - Date.parse(failing.created_at),
      ).toBe(DAY_MS);

      moveClock(DAY_MS - SECOND_MS);
      const stillTrying = await firstMessage(
        runId,
        (m) => m.attempts > failing.attempts,
      );
      expect(stillTrying.status).toBe("pending");

      moveClock(SECOND_MS);
      const deadline = Date.now() + 10_000;
      let messages = await messagesOf(runId);
      while (messages.some((m) => m.status !== "gave_up")) {
        if (Date.now() > deadline) throw new Error(JSON.stringify(messages));
        await new Promise((resolve) => setTimeout(resolve, 20));
        messages = await messagesOf(runId);
      }
      expect(messages.map((m) => m.event)).toEqual([
        "started",
        "merge_request_opened",
        "succeeded",
      ]);
      for (const message of messages) {
        expect(message.last_error).toContain(
          `time ran out at ${message.give_up_at}`,
        );
        expect(message.last_error).toContain("answered 503");
      }
      const timeline = (
        await server.admin(
          "GET",
          `/api/v4/projects/${projectId}/workflows/runs/${runId}`,
        )
      ).body.events as { name: string; details: Record<string, unknown> }[];
      const gaveUp = timeline.filter((event) => event.name === "sync_gave_up");
      expect(gaveUp).toHaveLength(3);
      expect(String(gaveUp[0]?.details.error)).toContain("time ran out");
    } finally {
      receiver.failAll(undefined);
    }
  });
});
