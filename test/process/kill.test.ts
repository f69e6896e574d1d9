import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  type ChildServer,
  freePort,
  listAll,
  startChildServer,
  waitForIdleRuns,
} from "../helpers/child-server.ts";
import { type SignedRequest, signGeneric } from "../helpers/test-server.ts";

// DESIGN.md §4.3 and §8: an acknowledged delivery survives kill -9, the
// same delivery twice starts one run, and one ticket never gets two merge
// requests. The server runs as its own process so that SIGKILL is real.

const DISTINCT_TICKETS = 240;
/** Tickets sent again with the same webhook-id and body, a sender retry. */
const RESENT_IDS = 20;
/** Tickets with several different deliveries sent close together. */
const BUSY_TICKETS = 10;
const DELIVERIES_PER_BUSY_TICKET = 4;
const IN_FLIGHT = 40;
const KILL_AFTER_ANSWERS = 60;
const REQUEST_TIMEOUT_MS = 15_000;
const DRAIN_TIMEOUT_MS = 150_000;
/** All four workers on the one project, so that the runs drain sooner. */
const CHILD_ENV = { FLOWGATE_PROJECT_CONCURRENCY: "4" };

interface Delivery {
  name: string;
  externalReference: string;
  /** Distinct tickets are sent once (or twice as the same delivery). */
  busyTicket: boolean;
  request: SignedRequest;
  outcome: "unsent" | "in flight" | "no answer" | "answered";
  status?: number;
  runId?: number;
}

interface Answer {
  status: number;
  body: any;
}

describe("a server killed with SIGKILL during a burst of deliveries", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-kill-"));
  let server: ChildServer | undefined;

  afterAll(async () => {
    await server?.kill();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("keeps every acknowledged delivery as exactly one run and opens one merge request per ticket", {
    timeout: 240_000,
  }, async () => {
    const port = await freePort();
    server = await startChildServer({ dataDir, port, env: CHILD_ENV });
    const project = created(
      await server.admin("POST", "/api/v4/projects", { path: "acme/kill" }),
    );
    const trigger = created(
      await server.admin(
        "POST",
        `/api/v4/projects/${project.id}/workflows/triggers`,
        { source: "generic", rate_limit: { limit: 0, window_s: 60 } },
      ),
    );
    const endpoint = `/api/v4/projects/${project.id}/workflows/trigger`;
    const deliveries = planDeliveries(trigger.signing_secret, trigger.token);

    // The burst: IN_FLIGHT senders share the list; the server dies once
    // KILL_AFTER_ANSWERS answers have come back, whatever their status.
    let answers = 0;
    let killing: Promise<void> | undefined;
    const running = server;
    await sendAll(deliveries, IN_FLIGHT, async (delivery) => {
      if (killing) return;
      delivery.outcome = "in flight";
      const answer = await post(running.url + endpoint, delivery.request);
      record(delivery, answer);
      answers += 1;
      if (answers >= KILL_AFTER_ANSWERS && !killing) {
        killing = running.kill();
      }
    });
    await killing;

    const lost = deliveries.filter((d) => d.outcome === "no answer");
    const answered = deliveries.filter((d) => d.outcome === "answered");
    expect(answered.length).toBeGreaterThanOrEqual(KILL_AFTER_ANSWERS);
    expect(answered.length).toBeLessThan(deliveries.length);

    // Every answer before the kill accepted the delivery or named its run.
    for (const delivery of answered) {
      expect(delivery.status, delivery.name).toBeGreaterThanOrEqual(200);
      expect(delivery.status, delivery.name).toBeLessThan(300);
    }

    // Same data directory and port, as a supervisor would restart it.
    server = await startChildServer({ dataDir, port, env: CHILD_ENV });
    const restarted = server;

    // A sender retries what got no answer; what was committed before
    // the kill must be recognised, not started a second time.
    for (const delivery of lost) {
      record(delivery, await post(restarted.url + endpoint, delivery.request));
      expect(delivery.status, delivery.name).toBeLessThan(300);
    }

    const acknowledged = deliveries.filter(
      (d) => d.outcome === "answered" && d.runId !== undefined,
    );
    for (const delivery of acknowledged) {
      const run = await restarted.admin(
        "GET",
        `/api/v4/projects/${project.id}/workflows/runs/${delivery.runId}`,
      );
      expect(run.status, delivery.name).toBe(200);
      expect(run.body.external_reference).toBe(delivery.externalReference);
    }

    // The same webhook-id, sent twice, names the same run.
    const runOfName = new Map<string, number>();
    for (const delivery of acknowledged) {
      const known = runOfName.get(delivery.name);
      if (known !== undefined) expect(delivery.runId).toBe(known);
      runOfName.set(delivery.name, delivery.runId as number);
    }

    const runs = await waitForIdleRuns(restarted, project.id, DRAIN_TIMEOUT_MS);
    const unfinished = runs.filter((run) => run.status !== "succeeded");
    expect(unfinished.map((run) => [run.id, run.status, run.error])).toEqual(
      [],
    );

    // A distinct ticket that was acknowledged has exactly one run.
    const runsByTicket = groupBy(runs, (run) => run.external_reference);
    for (const delivery of acknowledged) {
      if (delivery.busyTicket) continue;
      const ticketRuns = runsByTicket.get(delivery.externalReference) ?? [];
      expect(ticketRuns.map((run) => run.id)).toEqual([delivery.runId]);
    }

    // One merge request per ticket, and every run of a ticket points at it.
    const mergeRequests = await listAll(
      restarted,
      `/api/v4/projects/${project.id}/merge_requests?state=all`,
    );
    const mergeRequestsByTicket = groupBy(mergeRequests, (mr) =>
      String(mr.title).slice(0, String(mr.title).indexOf(": ")),
    );
    for (const [ticket, ticketMergeRequests] of mergeRequestsByTicket) {
      expect(ticketMergeRequests.length, ticket).toBe(1);
    }
    expect([...mergeRequestsByTicket.keys()].sort()).toEqual(
      [...runsByTicket.keys()].sort(),
    );
    for (const [ticket, ticketRuns] of runsByTicket) {
      const iid = mergeRequestsByTicket.get(ticket)?.[0]?.iid;
      for (const run of ticketRuns) {
        expect(run.merge_request?.iid, `run ${run.id}`).toBe(iid);
      }
    }
  });
});

/**
 * Distinct tickets, some re-sent as the same delivery a few places later
 * (often while the first copy is still in flight), and busy tickets whose
 * different deliveries travel side by side.
 */
function planDeliveries(secret: string, token: string): Delivery[] {
  const sign = (name: string, ref: string, title: string, busy: boolean) => ({
    name,
    externalReference: ref,
    busyTicket: busy,
    outcome: "unsent" as const,
    request: signGeneric(
      secret,
      {
        title,
        description: `Delivery ${name} for ${ref}`,
        external_reference: ref,
      },
      { id: `msg_kill_${name}`, token },
    ),
  });

  const plan: Delivery[] = [];
  for (let index = 1; index <= DISTINCT_TICKETS; index += 1) {
    plan.push(sign(`d${index}`, `KILL-${index}`, `Ticket ${index}`, false));
  }
  for (let index = 1; index <= RESENT_IDS; index += 1) {
    const original = plan[index * 11] as Delivery;
    plan.splice(index * 11 + 5, 0, {
      ...original,
      outcome: "unsent",
    });
  }
  for (let ticket = 1; ticket <= BUSY_TICKETS; ticket += 1) {
    const at = ticket * 23;
    for (let copy = 1; copy <= DELIVERIES_PER_BUSY_TICKET; copy += 1) {
      plan.splice(
        at,
        0,
        sign(`b${ticket}.${copy}`, `BUSY-${ticket}`, `Busy ${ticket}`, true),
      );
    }
  }
  return plan;
}

/** Runs `send` over the list with `lanes` concurrent senders. */
async function sendAll(
  deliveries: Delivery[],
  lanes: number,
  send: (delivery: Delivery) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < deliveries.length) {
      const delivery = deliveries[next] as Delivery;
      next += 1;
      await send(delivery);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

/** A connection error or a cut answer is "no answer", as during a kill. */
async function post(
  url: string,
  request: SignedRequest,
): Promise<Answer | undefined> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

function record(delivery: Delivery, answer: Answer | undefined): void {
  if (!answer) {
    delivery.outcome = "no answer";
    return;
  }
  delivery.outcome = "answered";
  delivery.status = answer.status;
  if (answer.status >= 200 && answer.status < 300) {
    delivery.runId = answer.body.id;
  }
}

function created(answer: Answer): any {
  if (answer.status !== 201) {
    throw new Error(
      `expected 201, got ${answer.status}: ${JSON.stringify(answer.body)}`,
    );
  }
  return answer.body;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    groups.set(name, [...(groups.get(name) ?? []), item]);
  }
  return groups;
}
