import {
  commentCreated,
  issueCreated,
  issueUpdated,
} from "../../fakes/jira-payloads.ts";
import { badUrls } from "./bad-urls.ts";
import type { Breaking, FuzzKind } from "./fuzz-provider.ts";

const badSelf = badUrls("acme.atlassian.net", "/rest/api/2/issue/10001");

/** Breakings every Jira event with an issue shares. */
const issueBreaking: readonly Breaking[] = [
  { path: ["issue", "key"], values: ["", "not a key", 12, null, "A-"] },
  { path: ["issue", "self"], values: [3, null, "no url", ...badSelf] },
  { path: ["issue", "fields", "summary"], values: [null, 1, [], {}] },
  { path: ["issue", "fields"], values: [null, "fields", []] },
  {
    path: ["issue", "fields", "labels"],
    values: [[1], "flowgate", {}],
    removable: false,
  },
];

/** Jira Cloud's and Data Center's events: a created issue, an update
 * with its changelog, and a comment that mentions Flowgate. */
export const JIRA_KINDS: readonly FuzzKind[] = [
  {
    valid: () => issueCreated({ key: "FUZZ-1", description: "x" }),
    breaking: [
      ...issueBreaking,
      { path: ["webhookEvent"], values: [1, [], {}], removable: false },
    ],
  },
  {
    valid: () =>
      issueUpdated({ key: "FUZZ-2", labels: ["flowgate"] }, [
        { field: "labels", fromString: "", toString: "flowgate" },
        { field: "status", fromString: "To Do", toString: "Ready" },
      ]),
    breaking: [
      ...issueBreaking,
      {
        path: ["changelog", "items"],
        values: [
          "x",
          [1],
          [{ field: 1 }],
          {},
          [{ field: "labels", toString: 7 }],
        ],
        removable: false,
      },
      { path: ["changelog"], values: ["x", 1, []], removable: false },
    ],
  },
  {
    valid: () =>
      commentCreated({ key: "FUZZ-3" }, "@flowgate add the tests", "30001"),
    breaking: [
      ...issueBreaking,
      { path: ["comment", "id"], values: [null, [], {}, true] },
      { path: ["comment", "body"], values: [1, true], removable: false },
      { path: ["comment", "author"], values: ["bot", 1], removable: false },
    ],
  },
];
