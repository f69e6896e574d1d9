import { afterAll, beforeAll, describe, it } from "vitest";
import { commentEvent, issuesEvent } from "../../fakes/github-payloads.ts";
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
  fuzzProvider,
} from "./fuzz-provider.ts";

const issueBreaking: readonly Breaking[] = [
  { path: ["issue", "number"], values: ["7", -1, 0, 1.5, null] },
  { path: ["issue", "title"], values: [null, 5, "   ", {}] },
  {
    path: ["issue", "html_url"],
    values: [null, 5, ...badUrls("github.com", "/acme/shop/issues/7")],
  },
  {
    path: ["repository", "full_name"],
    values: ["acme", "a/b/c", 1, null],
  },
  {
    path: ["issue", "labels"],
    values: ["x", [1], {}],
    removable: false,
  },
];

describe("GitHub fuzzing", () => {
  let fg: ProviderServer;
  let trigger: CreatedTrigger;
  beforeAll(async () => {
    fg = await startProviderServer({ FLOWGATE_ROLE: "api" });
    trigger = await fg.trigger("github", { label: "" });
  });
  afterAll(async () => fg.close());

  it(
    "answers 2,000 malformed, correctly signed issues and issue_comment events without a 5xx or a run",
    async () => {
      await fuzzProvider({
        fg,
        trigger,
        seed: 4102,
        kinds: [
          {
            valid: () => issuesEvent("opened", { number: 7 }),
            headers: { "x-github-event": "issues" },
            breaking: [
              ...issueBreaking,
              { path: ["action"], values: [1, null, {}] },
              {
                path: ["label"],
                values: ["flowgate", { name: 1 }],
                removable: false,
              },
            ],
          },
          {
            valid: () => commentEvent({ number: 8 }, "@flowgate do it"),
            headers: { "x-github-event": "issue_comment" },
            breaking: [
              ...issueBreaking,
              { path: ["comment", "id"], values: ["1", 1.5, null] },
              {
                path: ["comment", "body"],
                values: [1, [], {}],
                removable: false,
              },
              {
                path: ["comment", "user"],
                values: ["octocat", 1],
                removable: false,
              },
            ],
          },
        ],
        sign: (body) => ({
          "content-type": "application/json",
          "x-github-delivery": crypto.randomUUID(),
          "x-hub-signature-256": `sha256=${hmacHex(trigger.signing_secret, body)}`,
        }),
      });
    },
    FUZZ_TIMEOUT_MS,
  );
});
