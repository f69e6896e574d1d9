import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ProviderServer, startProviderServer } from "./provider-server.ts";

// Each source declares the headers it signs with; the delivery log keeps
// none of their values, whichever source the trigger has.
const SIGNATURE_HEADERS = {
  generic: "webhook-signature",
  jira: "x-hub-signature",
  jira_dc: "x-hub-signature",
  github: "x-hub-signature-256",
  linear: "linear-signature",
  slack: "x-slack-signature",
  servicenow: "webhook-signature",
} as const;

const OFFERED = `sha256=${"ab".repeat(32)}`;

describe("signature headers in the delivery log", () => {
  let fg: ProviderServer;
  beforeAll(async () => {
    fg = await startProviderServer({ FLOWGATE_ROLE: "api" });
  });
  afterAll(async () => fg.close());

  it("are masked for every source, also on a refused delivery", async () => {
    for (const [source, header] of Object.entries(SIGNATURE_HEADERS)) {
      const trigger = await fg.trigger(source, {
        auth: "signature",
        signing_secret:
          source === "generic" || source === "servicenow"
            ? undefined
            : "a-provider-made-signing-secret",
      });
      const answer = await fg.send(
        trigger,
        {
          "content-type": "application/json",
          "x-slack-request-timestamp": String(Math.floor(Date.now() / 1000)),
          "webhook-id": "msg_masking",
          "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
          [header]: OFFERED,
        },
        "{}",
      );
      expect(answer.status, source).toBe(401);
      const logged = await fg.lastDelivery(trigger.id);
      expect(logged.headers[header], source).toBe("[masked]");
      expect(JSON.stringify(logged), source).not.toContain("abababab");
    }
  });
});
