import { expect } from "vitest";
import type { Forge } from "../../src/forges/forge.ts";
import {
  type FakeGitLab,
  startFakeGitLab,
} from "../fakes/gitlab/fake-gitlab.ts";
import {
  addFlowRoutes,
  type FakeRemoteWork,
} from "../fakes/gitlab/flow-routes.ts";
import {
  type CreatedTrigger,
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

export const PROJECT_ID = 4021;
export const PROJECT_PATH = "acme/shop";
export const API_TOKEN = "glpat-flowgate-service-account-0123";
export const TRIGGER_TOKEN = "glptt-pipeline-trigger-token-98765";
export const SERVICE_ACCOUNT_ID = 77;

export interface GitLabExecutorFixture {
  server: TestServer;
  gitlab: FakeGitLab;
  remote: FakeRemoteWork;
  /** The project's webhook secret, shown once at registration. */
  webhookSecret: string;
  close(): Promise<void>;
}

/**
 * The real server with a GitLab project registered on a fake GitLab
 * (Flows API, pipelines, merge requests) as a service account with the
 * Developer role. The project's forge is one that only reads no
 * workflows file: a remote executor must never check out or push, and
 * these tests do not depend on the GitLab forge's own routes.
 */
export async function startGitLabExecutorFixture(): Promise<GitLabExecutorFixture> {
  const gitlab = await startFakeGitLab([
    {
      id: SERVICE_ACCOUNT_ID,
      username: "flowgate-bot",
      token: API_TOKEN,
      access: { [PROJECT_ID]: 30 },
    },
  ]);
  const remote = addFlowRoutes(gitlab, {
    id: PROJECT_ID,
    path: PROJECT_PATH,
    triggerToken: TRIGGER_TOKEN,
  });
  const server = await startTestServer({
    env: { FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" },
  });
  server.app.forges.register("gitlab", () => remoteOnlyForge);

  const created = await server.admin("POST", "/api/v4/projects", {
    id: PROJECT_ID,
    path: PROJECT_PATH,
    forge: {
      type: "gitlab",
      base_url: gitlab.url,
      token: API_TOKEN,
      pipeline_trigger_token: TRIGGER_TOKEN,
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);

  return {
    server,
    gitlab,
    remote,
    webhookSecret: created.body.webhook_secret,
    async close() {
      await server.close();
      await gitlab.close();
    },
  };
}

/** A forge that has no workflows file and refuses all local work. */
const remoteOnlyForge: Forge = {
  checkout: () => refused("checkout"),
  push: () => refused("push"),
  findOpenMergeRequest: () => refused("findOpenMergeRequest"),
  openMergeRequest: () => refused("openMergeRequest"),
  updateMergeRequestDescription: () => refused("updateMergeRequestDescription"),
  addMergeRequestNote: () => refused("addMergeRequestNote"),
  readRepositoryFile: async () => undefined,
};

function refused(what: string): Promise<never> {
  return Promise.reject(
    new Error(`a remote executor's run called the forge's ${what}`),
  );
}

export interface TicketInput {
  external_reference: string;
  title: string;
  description?: string;
  context?: Record<string, unknown>;
}

/** Sends a signed generic ticket; answers its run's id. */
export async function sendTicket(
  server: TestServer,
  trigger: CreatedTrigger,
  ticket: TicketInput,
  projectId = PROJECT_ID,
): Promise<number> {
  const answer = await deliver(
    server,
    projectId,
    signGeneric(trigger.signing_secret, ticket, { token: trigger.token }),
  );
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  return answer.body.id;
}

/** The run with its timeline. */
export async function runOf(
  server: TestServer,
  runId: number,
  projectId = PROJECT_ID,
): Promise<Record<string, any>> {
  const run = await server.admin(
    "GET",
    `/api/v4/projects/${projectId}/workflows/runs/${runId}`,
  );
  expect(run.status).toBe(200);
  return run.body;
}

export function eventsNamed(run: Record<string, any>, name: string) {
  return (run.events as { name: string; details: any }[]).filter(
    (event) => event.name === name,
  );
}

/**
 * Every request the fake GitLab received carried `token` only where
 * GitLab reads it (PRIVATE-TOKEN, or Basic for git): never in a path,
 * a body or another header; and no log line of Flowgate shows it.
 */
export function expectTokenOnlyInAuthHeader(
  fixture: GitLabExecutorFixture,
  token: string,
): void {
  expect(fixture.gitlab.requests.length).toBeGreaterThan(0);
  for (const request of fixture.gitlab.requests) {
    const where = `${request.method} ${request.path}`;
    expect(request.path, where).not.toContain(token);
    expect(request.body.toString("utf8"), where).not.toContain(token);
    const { "private-token": sent, ...others } = request.headers;
    expect(JSON.stringify(others), where).not.toContain(token);
    if (sent !== undefined) expect(sent, where).toBe(token);
  }
  expect(fixture.server.logs.text).not.toContain(token);
}
