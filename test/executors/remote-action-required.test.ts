import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CallbackReceiver,
  startCallbackReceiver,
} from "../fakes/callback-receiver.ts";
import type { CreatedTrigger } from "../helpers/test-server.ts";
import {
  type GitLabExecutorFixture,
  PROJECT_ID,
  sendTicket,
  startGitLabExecutorFixture,
} from "./gitlab-executor-fixture.ts";

// A flow or pipeline that waits for a person in GitLab tells the ticket
// too, not only the run's timeline: an `action_required` report with
// what to do and the link, here through the trigger's callback URL.

let fixture: GitLabExecutorFixture;
let receiver: CallbackReceiver;
let duo: CreatedTrigger;
let pipeline: CreatedTrigger;
// Each trigger signs with its own secret: the one of the run under test.
let secret = "";
beforeAll(async () => {
  fixture = await startGitLabExecutorFixture();
  receiver = await startCallbackReceiver(() => secret);
  duo = await fixture.server.createTrigger(PROJECT_ID, {
    executor: "gitlab_duo",
    sync: { callback_url: receiver.url },
  });
  pipeline = await fixture.server.createTrigger(PROJECT_ID, {
    executor: "gitlab_pipeline",
    sync: { callback_url: receiver.url },
  });
});
afterAll(async () => {
  await fixture.close();
  await receiver.close();
});

const eventsOf = (runId: number) =>
  receiver.received.filter((one) => one.data.id === runId);

describe("a remote run that waits for a person", () => {
  it("tells the ticket once per wait what to do in GitLab, with the session's link", async () => {
    secret = duo.signing_secret;
    fixture.remote.scriptFlows({
      statuses: [
        "input_required",
        "running",
        "plan_approval_required",
        "finished",
      ],
    });

    const runId = await sendTicket(fixture.server, duo, {
      external_reference: "WAIT-1",
      title: "Export invoices as PDF",
    });
    await fixture.server.waitForRun(PROJECT_ID, runId);
    await receiver.waitFor(() =>
      eventsOf(runId).some((one) => one.type === "run.succeeded"),
    );

    const flow = fixture.remote.flows.at(-1);
    const asked = eventsOf(runId).filter(
      (one) => one.type === "run.action_required",
    );
    expect(asked.map((one) => one.data.action)).toEqual([
      {
        text: "answer the flow's question in GitLab",
        url: expect.stringContaining(`/-/automate/agent-sessions/${flow?.id}`),
      },
      {
        text: "approve or change the flow's plan in GitLab",
        url: expect.stringContaining(`/-/automate/agent-sessions/${flow?.id}`),
      },
    ]);
    expect(asked.every((one) => one.verified)).toBe(true);
    expect(asked[0]?.data.status).toBe("running");
  });

  it("tells the ticket when a pipeline's manual job waits to be played", async () => {
    secret = pipeline.signing_secret;
    fixture.remote.scriptPipelines({ statuses: ["manual", "success"] });

    const runId = await sendTicket(fixture.server, pipeline, {
      external_reference: "WAIT-2",
      title: "Export invoices as PDF",
    });
    await fixture.server.waitForRun(PROJECT_ID, runId);
    await receiver.waitFor(() =>
      eventsOf(runId).some((one) => one.type === "run.succeeded"),
    );

    const asked = eventsOf(runId).filter(
      (one) => one.type === "run.action_required",
    );
    expect(asked).toHaveLength(1);
    expect(asked[0]?.verified).toBe(true);
    expect(asked[0]?.data.action).toEqual({
      text: "play the pipeline's manual job in GitLab",
      url: fixture.remote.pipelines.at(-1)?.webUrl,
    });
  });
});
