import { afterAll, beforeAll, describe, it } from "vitest";
import { appMention, BOT_USER } from "../../fakes/slack-payloads.ts";
import type { CreatedTrigger } from "../../helpers/test-server.ts";
import {
  hmacHex,
  type ProviderServer,
  startProviderServer,
} from "../provider-server.ts";
import { FUZZ_TIMEOUT_MS, fuzzProvider } from "./fuzz-provider.ts";

const SECRET = "slack-signing-secret-for-fuzzing";

describe("Slack fuzzing", () => {
  let fg: ProviderServer;
  let trigger: CreatedTrigger;
  beforeAll(async () => {
    fg = await startProviderServer({ FLOWGATE_ROLE: "api" });
    trigger = await fg.trigger("slack", { signing_secret: SECRET });
  });
  afterAll(async () => fg.close());

  it(
    "answers 2,000 malformed, correctly signed events without a 5xx or a run",
    async () => {
      await fuzzProvider({
        fg,
        trigger,
        seed: 4105,
        valid: () => appMention(`<@${BOT_USER}> OPS-1 do it`),
        breaking: [
          { path: ["team_id"], values: ["lower", 1, null, ""] },
          { path: ["event_id"], values: ["has space", 1, null, ""] },
          { path: ["event"], values: [null, "x", []] },
          { path: ["event", "text"], values: [1, {}, []], removable: false },
          { path: ["type"], values: [1, null] },
        ],
        sign: (body) => {
          const timestamp = String(Math.floor(Date.now() / 1000));
          return {
            "content-type": "application/json",
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": `v0=${hmacHex(SECRET, `v0:${timestamp}:`, body)}`,
          };
        },
      });
    },
    FUZZ_TIMEOUT_MS,
  );
});
