import { afterAll, beforeAll, describe, it } from "vitest";
import { incident } from "../../fakes/servicenow-payloads.ts";
import type { CreatedTrigger } from "../../helpers/test-server.ts";
import {
  type ProviderServer,
  startProviderServer,
} from "../provider-server.ts";
import { FUZZ_TIMEOUT_MS, fuzzProvider } from "./fuzz-provider.ts";

describe("ServiceNow fuzzing", () => {
  let fg: ProviderServer;
  let trigger: CreatedTrigger;
  beforeAll(async () => {
    fg = await startProviderServer({ FLOWGATE_ROLE: "api" });
    trigger = await fg.trigger("servicenow", { label: "" });
  });
  afterAll(async () => fg.close());

  it(
    "answers 2,000 malformed deliveries with the right token without a 5xx or a run",
    async () => {
      await fuzzProvider({
        fg,
        trigger,
        seed: 4104,
        valid: () => incident({ number: "INC0000001" }),
        breaking: [
          { path: ["sys_id"], values: ["short", 1, null] },
          { path: ["table"], values: ["Bad Table", 1, null] },
          { path: ["number"], values: [null, 1, "has space"] },
          { path: ["short_description"], values: [null, 1, " "] },
          { path: ["event"], values: ["upsert", 1], removable: false },
          {
            path: ["instance_url"],
            values: ["javascript:alert(1)", 1],
            removable: false,
          },
        ],
        // ServiceNow cannot sign: its triggers are token-only by default.
        sign: () => ({
          "content-type": "application/json",
          authorization: `Bearer ${trigger.token}`,
        }),
      });
    },
    FUZZ_TIMEOUT_MS,
  );
});
