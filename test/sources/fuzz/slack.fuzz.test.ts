import { afterAll, beforeAll, describe, it } from "vitest";
import {
  appMention,
  BOT_USER,
  slashCommand,
} from "../../fakes/slack-payloads.ts";
import type { CreatedTrigger } from "../../helpers/test-server.ts";
import {
  hmacHex,
  type ProviderServer,
  startProviderServer,
} from "../provider-server.ts";
import { badUrls } from "./bad-urls.ts";
import {
  type Breaking,
  FUZZ_TIMEOUT_MS,
  formBody,
  fuzzProvider,
} from "./fuzz-provider.ts";

// Ticket URLs that read as http(s) links naming OPS-3 but that no URL
// parser takes. (Text that is no link at all is an instruction, and
// rightly starts a run.)
const unparsableTicketUrls = badUrls(
  "acme.atlassian.net",
  "/browse/OPS-3",
).filter((url) => /^https?:\/\/\S+\/browse\//.test(url));

const eventBreaking: readonly Breaking[] = [
  { path: ["team_id"], values: ["lower", 1, null, ""] },
  { path: ["event_id"], values: ["has space", 1, null, ""] },
  { path: ["event"], values: [null, "x", []] },
  { path: ["event", "text"], values: [1, {}, []], removable: false },
  { path: ["type"], values: [1, null] },
];

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
    "answers 2,000 malformed, correctly signed events and slash commands without a 5xx or a run",
    async () => {
      await fuzzProvider({
        fg,
        trigger,
        seed: 4105,
        kinds: [
          {
            valid: () => appMention(`<@${BOT_USER}> OPS-1 do it`),
            breaking: eventBreaking,
          },
          {
            // The same mention, as the message.channels subscription
            // delivers it.
            valid: () => {
              const mention = appMention(`<@${BOT_USER}> OPS-2 do it`);
              return {
                ...mention,
                event: { ...mention.event, type: "message" },
              };
            },
            breaking: eventBreaking,
          },
          {
            valid: () =>
              Object.fromEntries(
                new URLSearchParams(slashCommand("OPS-3 add retries")),
              ),
            encode: formBody,
            headers: { "content-type": "application/x-www-form-urlencoded" },
            breaking: [
              { path: ["team_id"], values: ["lower", "", "T-1", "T 1"] },
              {
                path: ["trigger_id"],
                values: ["has space", "", "x".repeat(129), "a/b"],
              },
              { path: ["user_id"], values: ["U".repeat(65)] },
              { path: ["command"], values: ["c".repeat(65)] },
              {
                // A ticket URL that no parser takes.
                path: ["text"],
                values: [
                  ...unparsableTicketUrls.map(
                    (url) => `<${url}|OPS-3> add retries`,
                  ),
                  ...unparsableTicketUrls.map((url) => `${url} add retries`),
                ],
                removable: false,
              },
            ],
          },
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
