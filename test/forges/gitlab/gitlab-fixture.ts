import { expect } from "vitest";
import {
  type FakeGitLab,
  type RecordedGitLabRequest,
  startFakeGitLab,
} from "../../fakes/gitlab/fake-gitlab.ts";
import {
  addRepositoryRoutes,
  DEVELOPER,
  type FakeGitLabProject,
  type FakeRepositories,
  type NewFakeProject,
  REPORTER,
} from "../../fakes/gitlab/repository-routes.ts";
import {
  type CreatedTrigger,
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../../helpers/test-server.ts";

/** The service account's token: Developer on every project. */
export const BOT_TOKEN = "glpat-flowgate-bot-Zq7xK2mP9vR4tW8y";
/** A user who may read code but not push it. */
export const REPORTER_TOKEN = "glpat-reporter-only-Hc3nB6jL1sD5fG0k";
export const UNKNOWN_TOKEN = "glpat-revoked-long-ago-Yu8iO2pA4sD6";

/** Every form of a token that could leak: as is, and as git's Basic
 * credentials carry it. */
export function formsOf(token: string): string[] {
  return [token, Buffer.from(`oauth2:${token}`).toString("base64")];
}

export interface GitLabWorld {
  fake: FakeGitLab;
  repositories: FakeRepositories;
  /** A new GitLab project with a repository, numbered from 4100 on. */
  project(
    options?: Partial<Omit<NewFakeProject, "id">>,
  ): Promise<FakeGitLabProject>;
  close(): Promise<void>;
}

/** A fake GitLab with repositories, a bot user and a reporter. */
export async function startGitLabWorld(): Promise<GitLabWorld> {
  const bot = { id: 1, username: "flowgate-bot", token: BOT_TOKEN, access: {} };
  const reporter = {
    id: 2,
    username: "reader",
    token: REPORTER_TOKEN,
    access: {},
  };
  const fake = await startFakeGitLab([bot, reporter]);
  const repositories = await addRepositoryRoutes(fake);
  let projects = 0;

  return {
    fake,
    repositories,
    async project(options = {}) {
      projects += 1;
      const id = 4100 + projects;
      const access = { [id]: DEVELOPER };
      Object.assign(bot.access, access);
      Object.assign(reporter.access, { [id]: REPORTER });
      return repositories.create({
        ...options,
        id,
        path: options.path ?? `gitlab-org/shop-${projects}`,
      });
    },
    async close() {
      await fake.close();
      await repositories.remove();
    },
  };
}

/** The real server, allowed to call the fake on 127.0.0.1. */
export function startFlowgate(): Promise<TestServer> {
  return startTestServer({
    env: { FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" },
  });
}

/** Registers a GitLab project on Flowgate, as the admin API documents. */
export async function registerOnFlowgate(
  server: TestServer,
  world: GitLabWorld,
  project: FakeGitLabProject,
  token = BOT_TOKEN,
): Promise<CreatedTrigger> {
  const registered = await server.admin("POST", "/api/v4/projects", {
    id: project.id,
    path: project.path,
    default_branch: project.defaultBranch,
    forge: { type: "gitlab", base_url: world.fake.url, token },
  });
  expect(registered.status).toBe(201);
  return server.createTrigger(project.id, {
    rate_limit: { limit: 0, window_s: 60 },
  });
}

export interface Ticket {
  reference: string;
  title?: string;
}

/** Sends a signed generic delivery for the ticket; answers the run's id. */
export async function deliverTicket(
  server: TestServer,
  projectId: number,
  trigger: CreatedTrigger,
  ticket: Ticket,
): Promise<number> {
  const answer = await deliver(
    server,
    projectId,
    signGeneric(
      trigger.signing_secret,
      {
        title: ticket.title ?? "Export invoices as CSV",
        external_reference: ticket.reference,
        external_url: `https://jira.example.com/browse/${ticket.reference}`,
        context: { acceptance_criteria: ["One row per invoice", "UTF-8"] },
      },
      { token: trigger.token },
    ),
  );
  expect(answer.status).toBe(202);
  return answer.body.id;
}

/** Delivers the ticket and waits for its run to finish. */
export async function runTicket(
  server: TestServer,
  projectId: number,
  trigger: CreatedTrigger,
  ticket: Ticket,
): Promise<Record<string, any>> {
  const runId = await deliverTicket(server, projectId, trigger, ticket);
  return server.waitForRun(projectId, runId);
}

/** The run with its timeline, through the admin API. */
export async function runWithEvents(
  server: TestServer,
  projectId: number,
  runId: number,
): Promise<Record<string, any>> {
  const read = await server.admin(
    "GET",
    `/api/v4/projects/${projectId}/workflows/runs/${runId}`,
  );
  return read.body;
}

/** The requests to the fake about one project (REST and git). */
export function requestsFor(
  world: GitLabWorld,
  project: FakeGitLabProject,
): RecordedGitLabRequest[] {
  return world.fake.requests.filter(
    (request) =>
      request.path.startsWith(`/api/v4/projects/${project.id}/`) ||
      request.path.startsWith(`/${project.path}.git/`),
  );
}

/** What a request shows of itself except the two headers that must
 * carry the token. */
export function outsideAuthHeaders(request: RecordedGitLabRequest): string {
  const {
    authorization: _authorization,
    "private-token": _privateToken,
    ...headers
  } = request.headers;
  return [
    request.method,
    request.path,
    JSON.stringify(headers),
    request.body.toString("latin1"),
  ].join("\n");
}
