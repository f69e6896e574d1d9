import { afterAll, beforeAll, expect, it } from "vitest";
import {
  type CallbackReceiver,
  startCallbackReceiver,
} from "../fakes/callback-receiver.ts";
import { mergeAndNotify } from "../fakes/gitlab/merge-request-hook.ts";
import {
  BOT_TOKEN,
  type GitLabWorld,
  runTicket,
  runWithEvents,
  startFlowgate,
  startGitLabWorld,
} from "../forges/gitlab/gitlab-fixture.ts";
import type { TestServer } from "../helpers/test-server.ts";

// Issue 7's merge event, end to end: a run made through the real server
// against the fake GitLab (offline model) opens its merge request there;
// it is merged on GitLab, GitLab's webhook tells Flowgate, and the run
// shows the merge and its "merged" report goes out.

let world: GitLabWorld;
let server: TestServer;
let receiver: CallbackReceiver;
let signingSecret = "";

beforeAll(async () => {
  world = await startGitLabWorld();
  server = await startFlowgate();
  receiver = await startCallbackReceiver(() => signingSecret);
});
afterAll(async () => {
  await server.close();
  await receiver.close();
  await world.close();
});

it("shows a run merged on GitLab as merged and reports it once to the callback URL", async () => {
  const project = await world.project();
  const registered = await server.admin("POST", "/api/v4/projects", {
    id: project.id,
    path: project.path,
    default_branch: project.defaultBranch,
    forge: { type: "gitlab", base_url: world.fake.url, token: BOT_TOKEN },
  });
  expect(registered.status).toBe(201);
  const trigger = await server.createTrigger(project.id, {
    rate_limit: { limit: 0, window_s: 60 },
    sync: { callback_url: receiver.url },
  });
  signingSecret = trigger.signing_secret;

  const run = await runTicket(server, project.id, trigger, {
    reference: "MERGE-1",
  });
  expect(run.status).toBe("succeeded");
  const bot = world.fake.users[0];
  if (!bot) throw new Error("the fake has no bot user");

  const delivered = await mergeAndNotify(
    world.fake,
    world.repositories,
    { projectId: project.id, iid: run.merge_request.iid, by: bot },
    {
      url: registered.body.webhook_url,
      token: registered.body.webhook_secret,
    },
  );
  expect(delivered.status).toBe(200);
  expect(delivered.body).toEqual({
    status: "accepted",
    run_id: run.id,
    event: "merged",
  });

  // GitLab's default branch now holds the run's commit.
  expect(await world.repositories.branchSha(project.id, "main")).toBe(
    await world.repositories.branchSha(project.id, run.branch),
  );
  const detailed = await runWithEvents(server, project.id, run.id);
  const merged = detailed.events.find((event: any) => event.name === "merged");
  expect(merged?.details).toEqual({
    merge_request_iid: run.merge_request.iid,
    gitlab_user: bot.username,
  });

  const reported = await receiver.waitFor((received) =>
    received.some(
      (entry) => entry.type === "run.merged" && entry.data.id === run.id,
    ),
  );
  const mergedReports = reported.filter(
    (entry) => entry.type === "run.merged" && entry.data.id === run.id,
  );
  expect(mergedReports).toHaveLength(1);
  expect(mergedReports[0]).toMatchObject({
    verified: true,
    data: {
      id: run.id,
      merge_request: {
        iid: run.merge_request.iid,
        web_url: run.merge_request.web_url,
      },
    },
  });
});
