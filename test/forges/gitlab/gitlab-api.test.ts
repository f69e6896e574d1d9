import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  GitLabApi,
  GitLabError,
} from "../../../src/forges/gitlab/gitlab-api.ts";
import {
  createOutboundHttp,
  type OutboundHttp,
} from "../../../src/outbound/outbound-http.ts";
import {
  type FakeGitLab,
  startFakeGitLab,
} from "../../fakes/gitlab/fake-gitlab.ts";

// The GitLab client's retry rules (issue 7: "retries on 429 and 5xx
// honouring Retry-After and RateLimit-Reset", never a duplicate create),
// against the fake GitLab on a real port.

const TOKEN = "glpat-client-test-token-0123";

let gitlab: FakeGitLab;
let http: OutboundHttp;
let waits: number[];
let api: GitLabApi;

beforeAll(async () => {
  gitlab = await startFakeGitLab([
    { id: 7, username: "flowgate-bot", token: TOKEN, access: { 1: 30 } },
  ]);
  gitlab.route({
    method: "GET",
    pattern: /^\/api\/v4\/projects\/1$/,
    handle: () => ({ status: 200, body: { id: 1, path: "shop" } }),
  });
  gitlab.route({
    method: "POST",
    pattern: /^\/api\/v4\/projects\/1\/merge_requests$/,
    handle: ({ request }) => ({
      status: 201,
      body: { iid: 1, title: request.json.title },
    }),
  });
  gitlab.route({
    method: "POST",
    pattern: /^\/api\/graphql$/,
    handle: ({ request }) =>
      request.json.query.includes("broken")
        ? {
            status: 200,
            body: { errors: [{ message: "Field 'broken' doesn't exist" }] },
          }
        : {
            status: 200,
            body: { data: { currentUser: { username: "flowgate-bot" } } },
          },
  });
  http = createOutboundHttp({ allowPrivate: true, allowedHosts: [] });
});
afterAll(async () => {
  await http.close();
  await gitlab.close();
});
beforeEach(() => {
  gitlab.requests.length = 0;
  waits = [];
  api = new GitLabApi({ baseUrl: gitlab.url, token: TOKEN }, http, {
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
  });
});

const PROJECT = { method: "GET", path: /^\/api\/v4\/projects\/1$/ };
const CREATE = { method: "POST", path: /\/merge_requests$/ };

describe("the GitLab client", () => {
  it("waits as long as a 429's Retry-After says, then succeeds", async () => {
    gitlab.fault(PROJECT, { status: 429, retryAfter: "3" });
    const project = await api.request<{ id: number }>("GET", "/projects/1");
    expect(project.id).toBe(1);
    expect(waits).toEqual([3000]);
    expect(gitlab.requests).toHaveLength(2);
  });

  it("waits until RateLimit-Reset when GitLab's 429 has no Retry-After", async () => {
    gitlab.fault(PROJECT, {
      status: 429,
      retryAfter: "5",
      withoutRetryAfter: true,
    });
    const project = await api.request<{ id: number }>("GET", "/projects/1");
    expect(project.id).toBe(1);

    expect(gitlab.requests).toHaveLength(2);
    // The wait is the reset's Unix time less the clock's now.
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(3000);
    expect(waits[0]).toBeLessThanOrEqual(6000);
  });

  it("meets a 429 shaped like GitLab's throttle: plain text and RateLimit headers", async () => {
    gitlab.fault(PROJECT, { status: 429, retryAfter: "7" });
    const before = Math.floor(Date.now() / 1000);
    const answer = await fetch(`${gitlab.url}/api/v4/projects/1`, {
      headers: { "private-token": TOKEN },
    });

    expect(answer.status).toBe(429);
    expect(answer.headers.get("content-type")).toBe("text/plain");
    expect(await answer.text()).toBe("Retry later\n");
    expect(answer.headers.get("retry-after")).toBe("7");
    expect(answer.headers.get("ratelimit-remaining")).toBe("0");
    expect(answer.headers.get("ratelimit-name")).toBe(
      "throttle_authenticated_api",
    );
    const reset = Number(answer.headers.get("ratelimit-reset"));
    expect(reset).toBeGreaterThanOrEqual(before + 7);
    expect(reset).toBeLessThanOrEqual(before + 9);
    const resetTime = Date.parse(
      answer.headers.get("ratelimit-resettime") ?? "",
    );
    expect(Math.abs(resetTime / 1000 - reset)).toBeLessThanOrEqual(1);
  });

  it("retries a 5xx read with a jittered backoff, a few times at most", async () => {
    for (let i = 0; i < 5; i += 1) gitlab.fault(PROJECT, { status: 502 });
    const failing = api.request("GET", "/projects/1");
    await expect(failing).rejects.toMatchObject({
      name: "GitLabError",
      status: 502,
      transient: true,
    });
    expect(gitlab.requests).toHaveLength(4);
    expect(waits).toEqual([500, 1000, 2000]);
  });

  it("does not repeat a create GitLab may have made, but repeats one it refused with 429", async () => {
    gitlab.fault(CREATE, { status: 500 });
    await expect(
      api.request("POST", "/projects/1/merge_requests", {
        json: { title: "A" },
      }),
    ).rejects.toMatchObject({ status: 500 });
    expect(gitlab.requests).toHaveLength(1);

    gitlab.requests.length = 0;
    gitlab.fault(CREATE, { status: 429, retryAfter: "1" });
    const created = await api.request<{ iid: number }>(
      "POST",
      "/projects/1/merge_requests",
      { json: { title: "B" } },
    );
    expect(created.iid).toBe(1);
    expect(gitlab.requests).toHaveLength(2);
  });

  it("says what to fix on a 401, without the token", async () => {
    const wrong = new GitLabApi(
      { baseUrl: gitlab.url, token: "glpat-wrong-token-000" },
      http,
    );
    const refused = (await wrong
      .request("GET", "/projects/1")
      .catch((error: unknown) => error)) as GitLabError;
    expect(refused).toBeInstanceOf(GitLabError);
    expect(refused.status).toBe(401);
    expect(refused.transient).toBe(false);
    expect(refused.message).toContain("token");
    expect(refused.message).not.toContain("glpat-wrong-token-000");
  });

  it("sends the token only as PRIVATE-TOKEN", async () => {
    await api.request("GET", "/projects/1", { query: { simple: true } });
    const [request] = gitlab.requests;
    expect(request?.headers["private-token"]).toBe(TOKEN);
    expect(request?.path).not.toContain(TOKEN);
  });

  it("turns GraphQL errors in a 200 answer into a refusal", async () => {
    const data = await api.graphql<{ currentUser: { username: string } }>(
      "query { currentUser { username } }",
      {},
    );
    expect(data.currentUser.username).toBe("flowgate-bot");
    await expect(api.graphql("query { broken }", {})).rejects.toMatchObject({
      name: "GitLabError",
      transient: false,
      message: expect.stringContaining("Field 'broken' doesn't exist"),
    });
  });
});
