import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RemoteScript } from "../fakes/gitlab/flow-routes.ts";
import type { CreatedTrigger } from "../helpers/test-server.ts";
import {
  eventsNamed,
  type GitLabExecutorFixture,
  PROJECT_ID,
  runOf,
  sendTicket,
  startGitLabExecutorFixture,
} from "./gitlab-executor-fixture.ts";

// Canceling a gitlab_duo run through the real server stops its flow on
// a fake GitLab (PATCH …/workflows/:id, status_event "stop"), so the
// flow stops spending the team's Duo budget; what came of it is on the
// run's timeline, and the run is canceled whatever GitLab answered.

const FLOW_PATH = /^\/api\/v4\/ai\/duo_workflows\/workflows\/(\d+)$/;

let fixture: GitLabExecutorFixture;
let trigger: CreatedTrigger;
beforeAll(async () => {
  fixture = await startGitLabExecutorFixture();
  trigger = await fixture.server.createTrigger(PROJECT_ID, {
    executor: "gitlab_duo",
  });
});
afterAll(async () => fixture.close());

/** Waits (polling) until `ready` holds; fails saying what it waited for. */
async function until(what: string, ready: () => Promise<boolean>) {
  const deadline = Date.now() + 15_000;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`waited in vain: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let tickets = 0;
/** Starts a run whose flow follows `script`; answers once the run has
 * read the flow's status, with the fake's flow. */
async function runWithFlow(script: RemoteScript) {
  fixture.remote.scriptFlows(script);
  tickets += 1;
  const runId = await sendTicket(fixture.server, trigger, {
    external_reference: `SHOP-${700 + tickets}`,
    title: "A long flow",
  });
  await until("the flow's first status read", async () => {
    const run = await runOf(fixture.server, runId);
    return eventsNamed(run, "remote_status").length > 0;
  });
  const flow = fixture.remote.flows.at(-1);
  if (!flow) throw new Error("the run started no flow");
  return { runId, flow };
}

async function cancel(runId: number) {
  const canceled = await fixture.server.admin(
    "POST",
    `/api/v4/projects/${PROJECT_ID}/workflows/runs/${runId}/cancel`,
  );
  expect(canceled.status, JSON.stringify(canceled.body)).toBe(200);
}

/** The run's `remote_status` event about canceling its flow, once
 * recorded. */
async function cancelEventOf(runId: number) {
  let found: { details: Record<string, any> } | undefined;
  await until("the run's cancel outcome", async () => {
    const run = await runOf(fixture.server, runId);
    found = eventsNamed(run, "remote_status").find((event) =>
      String(event.details.status).startsWith("cancel_"),
    );
    return found !== undefined;
  });
  return found?.details;
}

const stopsOf = (flowId: number) =>
  fixture.gitlab.requests.filter(
    (request) =>
      request.method === "PATCH" &&
      FLOW_PATH.exec(request.path)?.[1] === String(flowId),
  );

describe("a canceled gitlab_duo run", () => {
  it("stops its flow on GitLab once, and says so on the run", async () => {
    const { runId, flow } = await runWithFlow({ statuses: ["running"] });

    await cancel(runId);

    expect(await cancelEventOf(runId)).toEqual({
      executor: "gitlab_duo",
      id: flow.id,
      status: "cancel_requested",
    });
    const stops = stopsOf(flow.id);
    expect(stops).toHaveLength(1);
    expect(stops[0]?.json).toEqual({ status_event: "stop" });
    expect(flow.status).toBe("stopped");
    const run = await runOf(fixture.server, runId);
    expect(run.status).toBe("canceled");
    expect(run.error ?? null).toBeNull();
  });

  it("records nothing to stop when the flow finished before the stop arrived", async () => {
    const { runId, flow } = await runWithFlow({
      statuses: ["running"],
      statusAtStop: "finished",
    });

    await cancel(runId);

    expect(await cancelEventOf(runId)).toEqual({
      executor: "gitlab_duo",
      id: flow.id,
      status: "cancel_not_needed",
      message: "Can not stop workflow that has status finished",
    });
    expect(stopsOf(flow.id)).toHaveLength(1);
    expect(flow.status).toBe("finished");
    const run = await runOf(fixture.server, runId);
    expect(run.status).toBe("canceled");
  });

  it("records GitLab's answer when the stop keeps failing, and the run stays canceled", async () => {
    const { runId, flow } = await runWithFlow({ statuses: ["running"] });
    // One 500 for each of the GitLab client's four attempts.
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      fixture.gitlab.fault(
        { method: "PATCH", path: FLOW_PATH },
        { status: 500 },
      );
    }

    await cancel(runId);

    const outcome = await cancelEventOf(runId);
    expect(outcome?.status).toBe("cancel_failed");
    expect(outcome?.error).toContain(
      `GitLab answered 500 to PATCH ${fixture.gitlab.url}` +
        `/api/v4/ai/duo_workflows/workflows/${flow.id}`,
    );
    expect(outcome?.error).toContain("500 Internal Server Error");
    expect(stopsOf(flow.id)).toHaveLength(4);
    expect(flow.status).toBe("running");
    const run = await runOf(fixture.server, runId);
    expect(run.status).toBe("canceled");
    // The worker ended the job and goes on serving.
    await until("the run's job to end", async () => {
      return fixture.server.app.worker?.activeJobs === 0;
    });
    const live = await fetch(`${fixture.server.url}/-/liveness`);
    expect(live.status).toBe(200);
  });

  it("leaves the flow running when the worker stops instead, for another to follow on", async () => {
    const { runId, flow } = await runWithFlow({ statuses: ["running"] });

    await fixture.server.app.worker?.stop(0);

    const run = await runOf(fixture.server, runId);
    expect(run.status).toBe("running");
    const statuses = eventsNamed(run, "remote_status").map((event) =>
      String(event.details.status),
    );
    expect(statuses.filter((status) => status.startsWith("cancel_"))).toEqual(
      [],
    );
    expect(stopsOf(flow.id)).toEqual([]);
    expect(flow.status).toBe("running");
  });
});
