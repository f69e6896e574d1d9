import { afterAll, beforeAll, describe, it } from "vitest";
import { linearEvent, linearIssue } from "../../fakes/linear-payloads.ts";
import type { CreatedTrigger } from "../../helpers/test-server.ts";
import {
  hmacHex,
  type ProviderServer,
  startProviderServer,
} from "../provider-server.ts";
import { FUZZ_TIMEOUT_MS, fuzzProvider } from "./fuzz-provider.ts";

describe("Linear fuzzing", () => {
  let fg: ProviderServer;
  let trigger: CreatedTrigger;
  beforeAll(async () => {
    fg = await startProviderServer({ FLOWGATE_ROLE: "api" });
    trigger = await fg.trigger("linear", { label: "" });
  });
  afterAll(async () => fg.close());

  it(
    "answers 2,000 malformed, correctly signed deliveries without a 5xx or a run",
    async () => {
      await fuzzProvider({
        fg,
        trigger,
        seed: 4103,
        valid: () => linearEvent("create", "Issue", linearIssue({ number: 9 })),
        breaking: [
          { path: ["data", "title"], values: [null, 3, "  ", []] },
          { path: ["data", "id"], values: [null, 3, {}] },
          { path: ["data"], values: [null, "x", []] },
          { path: ["type"], values: [1, null] },
          { path: ["action"], values: [1, null] },
          {
            path: ["data", "identifier"],
            values: ["bad ref!", 1, "é"],
            removable: false,
          },
          {
            path: ["data", "labels"],
            values: ["x", [1], {}],
            removable: false,
          },
        ],
        sign: (body) => ({
          "content-type": "application/json",
          "linear-delivery": crypto.randomUUID(),
          "linear-signature": hmacHex(trigger.signing_secret, body),
        }),
      });
    },
    FUZZ_TIMEOUT_MS,
  );
});
