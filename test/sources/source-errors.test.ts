import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { jiraDataCenterSource } from "../../src/sources/jira-dc/index.ts";
import { issueCreated } from "../fakes/jira-payloads.ts";
import type { CreatedTrigger } from "../helpers/test-server.ts";
import { countRows } from "../ingress/raw-requests.ts";
import {
  jiraHeaders,
  type ProviderServer,
  startProviderServer,
} from "./provider-server.ts";

// A port over 65535 matches any "looks like a URL" pattern, but no URL
// parser takes it.
const UNPARSABLE_SELF = "https://acme.atlassian.net:99999/rest/api/2/issue/1";

describe("authentic deliveries a source cannot read", () => {
  let fg: ProviderServer;
  let jira: CreatedTrigger;
  let dc: CreatedTrigger;

  const send = async (trigger: CreatedTrigger, payload: unknown) => {
    const body = JSON.stringify(payload);
    return fg.send(
      trigger,
      await jiraHeaders(trigger.signing_secret, body),
      body,
    );
  };
  const logged = (message: string) =>
    fg.server.logs.entries().filter((entry) => entry.msg === message);

  beforeAll(async () => {
    fg = await startProviderServer({ FLOWGATE_ROLE: "api" });
    jira = await fg.trigger("jira", { label: "" });
    dc = await fg.trigger("jira_dc", { label: "" });
  });
  afterAll(async () => fg.close());

  it("refuses an issue.self that is no parsable URL with 400 naming the field, for Jira Cloud and Data Center", async () => {
    for (const trigger of [jira, dc]) {
      const payload = issueCreated({ key: "SHOP-1" });
      payload.issue.self = UNPARSABLE_SELF;
      const answer = await send(trigger, payload);
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toEqual({
        "issue.self": ["must be an http(s) URL"],
      });
      const delivery = await fg.lastDelivery(trigger.id);
      expect(delivery).toMatchObject({ outcome: "refused", status_code: 400 });
      expect(delivery.reason).toMatch(/^schema: /);
    }
    expect(logged("storage refused a delivery")).toEqual([]);
  });

  it("refuses with 400, logged as a source error, when a source throws while reading, and keeps answering so", async () => {
    const runsBefore = await countRows(fg.server, "runs");
    const defect = vi
      .spyOn(jiraDataCenterSource, "normalize")
      .mockImplementation(() => {
        throw new TypeError("Cannot read properties of undefined");
      });
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const answer = await send(dc, issueCreated({ key: "OPS-9" }));
        expect(answer.status).toBe(400);
        expect(answer.body.message).toMatch(
          /^400 Bad request - the jira_dc delivery could not be read \(normalize\)/,
        );
        expect(answer.body.message).not.toMatch(/Cannot read/);
      }
    } finally {
      defect.mockRestore();
    }

    const delivery = await fg.lastDelivery(dc.id);
    expect(delivery).toMatchObject({ outcome: "refused", status_code: 400 });
    expect(delivery.reason).toMatch(/^source error: /);
    const errors = logged("a source could not read an authentic delivery");
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({
      level: 50,
      source: "jira_dc",
      step: "normalize",
      err: { message: "Cannot read properties of undefined" },
    });
    expect(logged("storage refused a delivery")).toEqual([]);
    expect(await countRows(fg.server, "runs")).toBe(runsBefore);

    // With the source mended, the same delivery is read again.
    const mended = await send(dc, issueCreated({ key: "OPS-9" }));
    expect(mended.status).toBe(202);
  });
});
