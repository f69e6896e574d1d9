import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/database.ts";
import {
  type CallbackReceiver,
  startCallbackReceiver,
} from "../fakes/callback-receiver.ts";
import {
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

// One process owns a SQLite file, so a message lease found there at
// start-up is a dead predecessor's: the new process frees it at once
// instead of letting the message wait out the lease.

const HOUR_MS = 3600 * 1000;
const ENV = { FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" };

let dataDir: string;
let server: TestServer | undefined;
let receiver: CallbackReceiver | undefined;

afterEach(async () => {
  await server?.close();
  await receiver?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("a SQLite server starting after one that died holding messages", () => {
  it("sends them at once rather than after their leases", {
    timeout: 60_000,
  }, async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-release-"));
    let secret = "";
    receiver = await startCallbackReceiver(() => secret);
    const sink = receiver;
    // Down, so that every message is still pending when the server stops.
    sink.failAll({ status: 503, retryAfter: "1" });

    server = await startTestServer({ dataDir, env: ENV });
    const first = server;
    const project = await first.createProject("acme/release");
    const trigger = await first.createTrigger(project.id, {
      sync: { callback_url: sink.url },
    });
    secret = trigger.signing_secret;
    const request = signGeneric(
      secret,
      { title: "Ticket REL-1", external_reference: "REL-1" },
      { token: trigger.token },
    );
    const answer = await fetch(
      `${first.url}/api/v4/projects/${project.id}/workflows/trigger`,
      { method: "POST", headers: request.headers, body: request.body },
    );
    expect(answer.status).toBe(202);
    const run = (await answer.json()) as { id: number };
    await first.waitForRun(project.id, run.id);
    await first.close();
    server = undefined;

    // What a process killed while sending leaves behind: every message
    // pending and due, under a lease of a dispatcher that is gone.
    const store = await openStore({ dataDir, databaseUrl: undefined });
    const now = new Date();
    const leased = await store.db
      .updateTable("outbox_messages")
      .set({
        locked_by: "dispatcher-dead",
        locked_until: new Date(now.getTime() + HOUR_MS).toISOString(),
        next_attempt_at: now.toISOString(),
      })
      .where("status", "=", "pending")
      .executeTakeFirst();
    await store.close();
    const messages = Number(leased.numUpdatedRows);
    expect(messages).toBeGreaterThan(0);

    sink.failAll(undefined);
    server = await startTestServer({ dataDir, env: ENV });
    const second = server;

    // Well within the test's time-out, and the leases run for an hour.
    await sink.waitFor(() => sink.accepted().length === messages, 20_000);
    const released = second.logs
      .entries()
      .filter(
        (entry) => entry.msg === "released messages of a previous process",
      );
    expect(released.map((entry) => entry.released)).toEqual([messages]);
    // The dispatcher records each delivery just after the receiver's 204.
    const undelivered = () =>
      second.app.store.db
        .selectFrom("outbox_messages")
        .select(["id", "status", "locked_by"])
        .where("status", "!=", "delivered")
        .execute();
    const deadline = Date.now() + 10_000;
    while ((await undelivered()).length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await undelivered()).toEqual([]);
  });
});
