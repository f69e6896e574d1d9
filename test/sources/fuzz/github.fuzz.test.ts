import { afterAll, beforeAll, describe, it } from "vitest";
import { issuesEvent } from "../../fakes/github-payloads.ts";
import type { CreatedTrigger } from "../../helpers/test-server.ts";
import {
  hmacHex,
  type ProviderServer,
  startProviderServer,
} from "../provider-server.ts";
import { FUZZ_TIMEOUT_MS, fuzzProvider } from "./fuzz-provider.ts";

describe("GitHub fuzzing", () => {
  let fg: ProviderServer;
  let trigger: CreatedTrigger;
  beforeAll(async () => {
    fg = await startProviderServer({ FLOWGATE_ROLE: "api" });
    trigger = await fg.trigger("github", { label: "" });
  });
  afterAll(async () => fg.close());

  it(
    "answers 2,000 malformed, correctly signed deliveries without a 5xx or a run",
    async () => {
      await fuzzProvider({
        fg,
        trigger,
        seed: 4102,
        valid: () => issuesEvent("opened", { number: 7 }),
        breaking: [
          { path: ["issue", "number"], values: ["7", -1, 0, 1.5, null] },
          { path: ["issue", "title"], values: [null, 5, "   ", {}] },
          { path: ["issue", "html_url"], values: [null, 5, "javascript:x"] },
          {
            path: ["repository", "full_name"],
            values: ["acme", "a/b/c", 1, null],
          },
          { path: ["action"], values: [1, null, {}] },
          {
            path: ["issue", "labels"],
            values: ["x", [1], {}],
            removable: false,
          },
        ],
        sign: (body) => ({
          "content-type": "application/json",
          "x-github-event": "issues",
          "x-github-delivery": crypto.randomUUID(),
          "x-hub-signature-256": `sha256=${hmacHex(trigger.signing_secret, body)}`,
        }),
      });
    },
    FUZZ_TIMEOUT_MS,
  );
});
