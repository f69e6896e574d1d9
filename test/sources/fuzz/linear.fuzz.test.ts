import { afterAll, beforeAll, describe, it } from "vitest";
import {
  labels,
  linearComment,
  linearEvent,
  linearIssue,
} from "../../fakes/linear-payloads.ts";
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
  { path: ["data", "title"], values: [null, 3, "  ", []] },
  { path: ["data", "id"], values: [null, 3, {}] },
  { path: ["data"], values: [null, "x", []] },
  {
    path: ["data", "identifier"],
    values: ["bad ref!", 1, "é"],
    removable: false,
  },
  {
    path: ["data", "url"],
    values: badUrls("linear.app", "/acme/issue/ENG-9/x"),
    removable: false,
  },
  {
    path: ["data", "labels"],
    values: ["x", [1], {}],
    removable: false,
  },
];

describe("Linear fuzzing", () => {
  let fg: ProviderServer;
  let trigger: CreatedTrigger;
  beforeAll(async () => {
    fg = await startProviderServer({ FLOWGATE_ROLE: "api" });
    trigger = await fg.trigger("linear", { label: "" });
  });
  afterAll(async () => fg.close());

  it(
    "answers 2,000 malformed, correctly signed issue creates, updates and comments without a 5xx or a run",
    async () => {
      await fuzzProvider({
        fg,
        trigger,
        seed: 4103,
        kinds: [
          {
            valid: () =>
              linearEvent("create", "Issue", linearIssue({ number: 9 })),
            breaking: [
              ...issueBreaking,
              { path: ["type"], values: [1, null] },
              { path: ["action"], values: [1, null] },
            ],
          },
          {
            // A label added and a state moved, told in updatedFrom.
            valid: () =>
              linearEvent(
                "update",
                "Issue",
                linearIssue({ number: 10, labels: [labels.flowgate] }),
                { updatedFrom: { labelIds: [], stateId: "state-backlog" } },
              ),
            breaking: [
              ...issueBreaking,
              { path: ["updatedFrom"], values: ["x", 1, []], removable: false },
              {
                path: ["data", "labelIds"],
                values: ["x", [1], {}],
                removable: false,
              },
            ],
          },
          {
            // Named by the identifier in its url only.
            valid: () => {
              const comment = linearComment(11, "@flowgate do it");
              const { identifier: _identifier, ...issue } = comment.issue;
              return linearEvent("create", "Comment", { ...comment, issue });
            },
            breaking: [
              {
                path: ["data", "issue", "url"],
                values: [
                  null,
                  1,
                  ...badUrls("linear.app", "/acme/issue/ENG-11/x"),
                ],
              },
              { path: ["data", "issue", "id"], values: [null, 1, {}] },
              { path: ["data", "issue", "title"], values: [null, 1, []] },
              {
                path: ["data", "issue"],
                values: ["ENG-11", 1, []],
                removable: false,
              },
              { path: ["data", "body"], values: [null, 1, []] },
            ],
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
