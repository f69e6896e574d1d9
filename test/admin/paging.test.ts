import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

let server: TestServer;
let projectId: number;
let triggers: string;
let triggerIds: number[];

beforeAll(async () => {
  server = await startTestServer({ env: { FLOWGATE_ROLE: "api" } });
  projectId = (await server.createProject("acme/paged")).id;
  triggers = `/api/v4/projects/${projectId}/workflows/triggers`;
  triggerIds = [];
  for (let index = 1; index <= 5; index += 1) {
    triggerIds.push(
      (await server.createTrigger(projectId, { name: `trigger ${index}` })).id,
    );
  }
});
afterAll(async () => server.close());

function pageHeaders(headers: Headers) {
  return {
    total: headers.get("x-total"),
    totalPages: headers.get("x-total-pages"),
    page: headers.get("x-page"),
    perPage: headers.get("x-per-page"),
    next: headers.get("x-next-page"),
    prev: headers.get("x-prev-page"),
  };
}

describe("list paging", () => {
  it("answers the first page with X-Total and X-Next-Page", async () => {
    const first = await server.admin("GET", `${triggers}?per_page=2`);

    expect(first.status).toBe(200);
    expect(first.body.map((item: { id: number }) => item.id)).toEqual(
      triggerIds.slice(0, 2),
    );
    expect(pageHeaders(first.headers)).toEqual({
      total: "5",
      totalPages: "3",
      page: "1",
      perPage: "2",
      next: "2",
      prev: "",
    });
  });

  it("walks the pages with page until X-Next-Page is empty", async () => {
    const seen: number[] = [];
    let page = "1";
    while (page !== "") {
      const answer = await server.admin(
        "GET",
        `${triggers}?per_page=2&page=${page}`,
      );
      seen.push(...answer.body.map((item: { id: number }) => item.id));
      page = answer.headers.get("x-next-page") ?? "";
    }

    expect(seen).toEqual(triggerIds);
  });

  it("answers an empty page past the end", async () => {
    const past = await server.admin("GET", `${triggers}?per_page=2&page=4`);

    expect(past.status).toBe(200);
    expect(past.body).toEqual([]);
    expect(pageHeaders(past.headers)).toMatchObject({
      total: "5",
      next: "",
      prev: "3",
    });
  });

  it("pages 20 to a page by default", async () => {
    const all = await server.admin("GET", triggers);

    expect(all.body).toHaveLength(5);
    expect(all.headers.get("x-per-page")).toBe("20");
  });

  it.each([
    "per_page=101",
    "per_page=0",
    "per_page=-1",
    "per_page=ten",
    "page=0",
    "page=1.5",
  ])("refuses %s with 400", async (query) => {
    const answer = await server.admin("GET", `${triggers}?${query}`);

    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/^400 /);
  });

  it("accepts per_page=100", async () => {
    const answer = await server.admin("GET", `${triggers}?per_page=100`);

    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-per-page")).toBe("100");
  });

  it("pages runs, deliveries and audit events the same way", async () => {
    const trigger = await server.createTrigger(projectId);
    for (let index = 1; index <= 3; index += 1) {
      const answer = await deliver(
        server,
        projectId,
        signGeneric(
          trigger.signing_secret,
          { title: `Paged ${index}`, external_reference: `PAGE-${index}` },
          { token: trigger.token },
        ),
      );
      expect(answer.status).toBe(202);
    }

    for (const list of ["runs", "deliveries", "audit_events"]) {
      const answer = await server.admin(
        "GET",
        `/api/v4/projects/${projectId}/workflows/${list}?per_page=2`,
      );
      expect(answer.body, list).toHaveLength(2);
      expect(
        Number(answer.headers.get("x-total")),
        list,
      ).toBeGreaterThanOrEqual(3);
      expect(answer.headers.get("x-next-page"), list).toBe("2");
    }
    const mergeRequests = await server.admin(
      "GET",
      `/api/v4/projects/${projectId}/merge_requests?per_page=101`,
    );
    expect(mergeRequests.status).toBe(400);
  });
});
