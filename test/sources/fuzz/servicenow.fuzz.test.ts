import { afterAll, beforeAll, describe, it } from "vitest";
import { incident } from "../../fakes/servicenow-payloads.ts";
import type { CreatedTrigger } from "../../helpers/test-server.ts";
import {
  type ProviderServer,
  startProviderServer,
} from "../provider-server.ts";
import {
  type Breaking,
  FUZZ_TIMEOUT_MS,
  fuzzProvider,
} from "./fuzz-provider.ts";

// The instance's base URL with a bad port or host still matches the
// pattern of a base URL; the run's link made from it must not pass.
const recordBreaking: readonly Breaking[] = [
  { path: ["sys_id"], values: ["short", 1, null] },
  { path: ["table"], values: ["Bad Table", 1, null] },
  { path: ["number"], values: [null, 1, "has space"] },
  { path: ["short_description"], values: [null, 1, " "] },
  {
    path: ["instance_url"],
    values: [
      "javascript:alert(1)",
      1,
      "https://acme.service-now.com:99999",
      "https://acme.service-now.com:-1/",
      "http://[::1",
      "ftp://acme.service-now.com",
    ],
    removable: false,
  },
];

describe("ServiceNow fuzzing", () => {
  let fg: ProviderServer;
  let trigger: CreatedTrigger;
  beforeAll(async () => {
    fg = await startProviderServer({ FLOWGATE_ROLE: "api" });
    trigger = await fg.trigger("servicenow", { label: "" });
  });
  afterAll(async () => fg.close());

  it(
    "answers 2,000 malformed inserts and comments with the right token without a 5xx or a run",
    async () => {
      await fuzzProvider({
        fg,
        trigger,
        seed: 4104,
        kinds: [
          {
            valid: () => incident({ number: "INC0000001" }),
            breaking: [
              ...recordBreaking,
              { path: ["event"], values: ["upsert", 1], removable: false },
            ],
          },
          {
            // A comment that mentions Flowgate.
            valid: () =>
              incident({
                number: "INC0000002",
                event: "update",
                comment: "@flowgate check the MX records",
              }),
            breaking: [
              ...recordBreaking,
              { path: ["comment"], values: [1, [], {}], removable: false },
              {
                path: ["comment_author"],
                values: [1, {}],
                removable: false,
              },
            ],
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
