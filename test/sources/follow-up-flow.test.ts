import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commentEvent, issuesEvent } from "../fakes/github-payloads.ts";
import type { CreatedTrigger } from "../helpers/test-server.ts";
import {
  githubHeaders,
  type ProviderServer,
  startProviderServer,
} from "./provider-server.ts";

describe("a mention after the run, while its merge request is open", () => {
  let fg: ProviderServer;
  let github: CreatedTrigger;

  const deliver = async (event: string, payload: unknown) => {
    const body = JSON.stringify(payload);
    return fg.send(
      github,
      await githubHeaders(github.signing_secret, body, event),
      body,
    );
  };

  beforeAll(async () => {
    // With a worker: runs go all the way to a merge request.
    fg = await startProviderServer();
    github = await fg.trigger("github", { label: "flowgate" });
  });
  afterAll(async () => fg.close());

  it("starts a new run on the same branch and merge request, carrying the comment", async () => {
    const first = await deliver(
      "issues",
      issuesEvent("opened", { number: 501, labels: ["flowgate"] }),
    );
    expect(first.status).toBe(202);
    const done: any = await fg.server.waitForRun(fg.projectId, first.body.id);
    expect(done.status).toBe("succeeded");

    const comment = await deliver(
      "issue_comment",
      commentEvent({ number: 501 }, "@flowgate please split the plan in two"),
    );
    expect(comment.status).toBe(202);
    expect(comment.body.id).not.toBe(first.body.id);
    const second: any = await fg.server.waitForRun(
      fg.projectId,
      comment.body.id,
    );
    expect(second.status).toBe("succeeded");
    expect(second.branch).toBe(done.branch);
    expect(second.merge_request.iid).toBe(done.merge_request.iid);

    const mr = await fg.server.admin(
      "GET",
      `/api/v4/projects/${fg.projectId}/merge_requests/${done.merge_request.iid}`,
    );
    expect(mr.body.description).toContain("## Follow-up from octocat");
    expect(mr.body.description).toContain("> please split the plan in two");
    const consumed = await fg.server.app.store.db
      .selectFrom("run_follow_ups")
      .select("consumed_at")
      .where("run_id", "=", comment.body.id)
      .execute();
    expect(consumed).toHaveLength(1);
    expect(consumed[0]?.consumed_at).not.toBeNull();
  });
});
