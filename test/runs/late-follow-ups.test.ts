import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeModelServer, FakeReply } from "../fakes/fake-model-server.ts";
import { startOpenAiFake } from "../fakes/fake-openai.ts";
import { commentEvent, issuesEvent } from "../fakes/github-payloads.ts";
import type { CreatedTrigger } from "../helpers/test-server.ts";
import {
  githubHeaders,
  type ProviderServer,
  startProviderServer,
} from "../sources/provider-server.ts";

// A mention comment that joins a run after the run's last round has read
// its follow-ups must still reach an executor: the run hands it on to a
// new run on the same merge request when it succeeds. A canceled run
// hands nothing on.

const WAIT_MS = 20_000;

/** A model answer that waits until the test releases it. */
function heldAnswer(text: string) {
  let arrive = () => {};
  let release = () => {};
  const arrived = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const reply: FakeReply = {
    hold: async () => {
      arrive();
      await released;
    },
    reply: { text },
  };
  return { reply, arrived, release };
}

describe("a follow-up that arrives after the run's last round", () => {
  let fg: ProviderServer;
  let fake: FakeModelServer;
  let github: CreatedTrigger;

  const deliver = async (event: string, payload: unknown) => {
    const body = JSON.stringify(payload);
    return fg.send(
      github,
      await githubHeaders(github.signing_secret, body, event),
      body,
    );
  };
  const mention = (issue: number, text: string) =>
    deliver("issue_comment", commentEvent({ number: issue }, text));

  /** Until the run's job is no longer pending or running. */
  async function jobEnded(runId: number): Promise<string> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const job = await fg.server.app.store.db
        .selectFrom("jobs")
        .select("status")
        .where("run_id", "=", runId)
        .executeTakeFirstOrThrow();
      if (job.status !== "pending" && job.status !== "running") {
        return job.status;
      }
      if (Date.now() > deadline) {
        throw new Error(`run ${runId}'s job stayed ${job.status}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  beforeAll(async () => {
    fg = await startProviderServer({ FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" });
    fake = await startOpenAiFake(undefined);
    github = await fg.trigger("github", {
      label: "flowgate",
      model: {
        kind: "openai-compatible",
        name: "gpt-test",
        base_url: `${fake.url}/v1`,
      },
    });
  });
  afterAll(async () => {
    await fg.close();
    await fake.close();
  });

  it("is carried out by a new run on the same merge request", async () => {
    const rounds = [
      heldAnswer("Round one."),
      heldAnswer("Round two."),
      heldAnswer("Round three."),
    ];
    fake.requests.length = 0;
    fake.reply(...rounds.map((round) => round.reply), {
      text: "Added the CSV export.",
    });
    const opened = await deliver(
      "issues",
      issuesEvent("opened", { number: 701, labels: ["flowgate"] }),
    );
    expect(opened.status).toBe(202);
    const firstId = opened.body.id;

    // Each mention arrives while a round works; the third one while the
    // last round works, so no round of this run reads it.
    const instructions = [
      "please add totals",
      "please round to cents",
      "please add a CSV export",
    ];
    for (const [index, round] of rounds.entries()) {
      await round.arrived;
      const joined = await mention(701, `@flowgate ${instructions[index]}`);
      expect(joined.status).toBe(200);
      expect(joined.body).toMatchObject({ id: firstId, duplicate: true });
      round.release();
    }

    const first: any = await fg.server.waitForRun(fg.projectId, firstId);
    expect(first.status, first.error).toBe("succeeded");
    const handedOn = first.events.find(
      (event: { name: string }) => event.name === "follow_ups_handed_on",
    );
    expect(handedOn?.details.follow_ups).toBe(1);
    const heirId = handedOn?.details.run_id;
    const heir: any = await fg.server.waitForRun(fg.projectId, heirId);
    expect(heir.status, heir.error).toBe("succeeded");
    expect(heir.external_reference).toBe(first.external_reference);
    expect(heir.branch).toBe(first.branch);
    expect(heir.merge_request.iid).toBe(first.merge_request.iid);
    expect(
      heir.events.find(
        (event: { name: string }) => event.name === "follow_ups_taken_over",
      )?.details,
    ).toEqual({ from_run_id: firstId, follow_ups: 1 });

    // Rounds one to three, then the new run's one round.
    expect(fake.requests).toHaveLength(4);
    expect(fake.requests[2]?.body).not.toContain("please add a CSV export");
    expect(fake.requests[3]?.body).toContain("please add a CSV export");
    expect(await fg.followUps(heirId)).toEqual([
      { instruction: "please add a CSV export", author: "octocat" },
    ]);

    const mergeRequests = await fg.server.admin(
      "GET",
      `/api/v4/projects/${fg.projectId}/merge_requests`,
    );
    expect(mergeRequests.body).toHaveLength(1);
    const [mr] = mergeRequests.body;
    expect(mr.description).toContain("> please round to cents");
    expect(mr.description).toContain("> please add a CSV export");
    expect(await fg.runs(first.external_reference)).toHaveLength(2);
  });

  it("is not handed on by a run that was canceled", async () => {
    const round = heldAnswer("Round one.");
    fake.reply(round.reply);
    const opened = await deliver(
      "issues",
      issuesEvent("opened", { number: 702, labels: ["flowgate"] }),
    );
    expect(opened.status).toBe(202);
    const runId = opened.body.id;

    await round.arrived;
    const joined = await mention(702, "@flowgate please add totals");
    expect(joined.body).toMatchObject({ id: runId, duplicate: true });
    const canceled = await fg.server.admin(
      "POST",
      `/api/v4/projects/${fg.projectId}/workflows/runs/${runId}/cancel`,
    );
    expect(canceled.status).toBe(200);
    round.release();

    expect(await jobEnded(runId)).toBe("canceled");
    const run = await fg.run(runId);
    expect(run.status).toBe("canceled");
    expect(await fg.runs(run.external_reference)).toHaveLength(1);
    expect(await fg.followUps(runId)).toEqual([
      { instruction: "please add totals", author: "octocat" },
    ]);
  });
});
