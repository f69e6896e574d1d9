import { afterAll, beforeAll, describe, it } from "vitest";
import type { CreatedTrigger } from "../../helpers/test-server.ts";
import {
  hmacHex,
  type ProviderServer,
  startProviderServer,
} from "../provider-server.ts";
import { FUZZ_TIMEOUT_MS, fuzzProvider } from "./fuzz-provider.ts";
import { JIRA_KINDS } from "./jira-kinds.ts";

describe("Jira fuzzing", () => {
  let fg: ProviderServer;
  let trigger: CreatedTrigger;
  beforeAll(async () => {
    fg = await startProviderServer({ FLOWGATE_ROLE: "api" });
    trigger = await fg.trigger("jira", { label: "" });
  });
  afterAll(async () => fg.close());

  it(
    "answers 2,000 malformed, correctly signed created, changelog and comment events without a 5xx or a run",
    async () => {
      await fuzzProvider({
        fg,
        trigger,
        seed: 4101,
        kinds: JIRA_KINDS,
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
