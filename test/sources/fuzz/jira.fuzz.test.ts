import { afterAll, beforeAll, describe, it } from "vitest";
import { issueCreated } from "../../fakes/jira-payloads.ts";
import type { CreatedTrigger } from "../../helpers/test-server.ts";
import {
  hmacHex,
  type ProviderServer,
  startProviderServer,
} from "../provider-server.ts";
import { FUZZ_TIMEOUT_MS, fuzzProvider } from "./fuzz-provider.ts";

describe("Jira fuzzing", () => {
  let fg: ProviderServer;
  let trigger: CreatedTrigger;
  beforeAll(async () => {
    fg = await startProviderServer({ FLOWGATE_ROLE: "api" });
    trigger = await fg.trigger("jira", { label: "" });
  });
  afterAll(async () => fg.close());

  it(
    "answers 2,000 malformed, correctly signed deliveries without a 5xx or a run",
    async () => {
      await fuzzProvider({
        fg,
        trigger,
        seed: 4101,
        valid: () => issueCreated({ key: "FUZZ-1", description: "x" }),
        breaking: [
          { path: ["issue", "key"], values: ["", "not a key", 12, null, "A-"] },
          { path: ["issue", "self"], values: ["ftp://x", 3, null, "no url"] },
          { path: ["issue", "fields", "summary"], values: [null, 1, [], {}] },
          { path: ["issue", "fields"], values: [null, "fields", []] },
          {
            path: ["issue", "fields", "labels"],
            values: [[1], "flowgate", {}],
            removable: false,
          },
          { path: ["webhookEvent"], values: [1, [], {}], removable: false },
        ],
        sign: (body) => ({
          "content-type": "application/json",
          "x-atlassian-webhook-identifier": crypto.randomUUID(),
          "x-hub-signature": `sha256=${hmacHex(trigger.signing_secret, body)}`,
        }),
      });
    },
    FUZZ_TIMEOUT_MS,
  );
});
