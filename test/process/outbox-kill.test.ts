import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  type CallbackReceiver,
  startCallbackReceiver,
} from "../fakes/callback-receiver.ts";
import {
  type ChildServer,
  freePort,
  startChildServer,
} from "../helpers/child-server.ts";
import { signGeneric } from "../helpers/test-server.ts";

// Issue 6: a message to an external system is never lost. The server
// runs as its own process; while the receiver is down every message is
// pending, the server is killed with SIGKILL, and after a restart on the
// same data directory every message arrives.

const TICKETS = 12;
const EVENTS = ["run.started", "run.merge_request_opened", "run.succeeded"];
const CHILD_ENV = {
  FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true",
  FLOWGATE_PROJECT_CONCURRENCY: "4",
};

describe("a server killed with SIGKILL while messages are pending", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-outbox-"));
  let server: ChildServer | undefined;
  let receiver: CallbackReceiver | undefined;

  afterAll(async () => {
    await server?.kill();
    await receiver?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("delivers every message after the restart, none twice under another id", {
    timeout: 120_000,
  }, async () => {
    let secret = "";
    receiver = await startCallbackReceiver(() => secret);
    const sink = receiver;
    // Down: every callback gets a 503 asking for a retry in a second.
    sink.failAll({ status: 503, retryAfter: "1" });

    const port = await freePort();
    server = await startChildServer({ dataDir, port, env: CHILD_ENV });
    const first = server;
    const project = await first.admin("POST", "/api/v4/projects", {
      path: "acme/outbox-kill",
    });
    const trigger = await first.admin(
      "POST",
      `/api/v4/projects/${project.body.id}/workflows/triggers`,
      { source: "generic", sync: { callback_url: sink.url } },
    );
    secret = trigger.body.signing_secret;

    const references = Array.from(
      { length: TICKETS },
      (_, index) => `KILL-${index}`,
    );
    for (const reference of references) {
      const request = signGeneric(
        secret,
        { title: `Ticket ${reference}`, external_reference: reference },
        { token: trigger.body.token },
      );
      const answer = await fetch(
        `${first.url}/api/v4/projects/${project.body.id}/workflows/trigger`,
        { method: "POST", headers: request.headers, body: request.body },
      );
      expect(answer.status).toBe(202);
    }
    // Every run finishes while its messages wait on the receiver.
    await waitFor(async () => {
      const runs = await first.admin(
        "GET",
        `/api/v4/projects/${project.body.id}/workflows/runs?per_page=100`,
      );
      return (runs.body as { status: string }[]).every(
        (run) => run.status === "succeeded",
      );
    });
    const refusedBeforeKill = sink.received.length;
    expect(refusedBeforeKill).toBeGreaterThan(0);
    expect(sink.accepted()).toHaveLength(0);

    await first.kill();
    sink.failAll(undefined);
    server = await startChildServer({ dataDir, port, env: CHILD_ENV });

    await sink.waitFor(
      () => sink.accepted().length === TICKETS * EVENTS.length,
      60_000,
    );
    const accepted = sink.accepted();
    for (const reference of references) {
      expect(
        accepted
          .filter((entry) => entry.data.external_reference === reference)
          .map((entry) => entry.type),
        reference,
      ).toEqual(EVENTS);
    }
    // A message may be sent again only under its own webhook-id (an
    // attempt whose answer was lost): distinct ids are distinct messages.
    const ids = new Set(sink.received.map((entry) => entry.id));
    expect(ids.size).toBe(TICKETS * EVENTS.length);
    expect(accepted.every((entry) => entry.verified)).toBe(true);
  });
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
