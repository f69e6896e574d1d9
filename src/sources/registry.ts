import { genericSource } from "./generic/index.ts";
import { githubSource } from "./github/index.ts";
import { jiraSource } from "./jira/index.ts";
import { jiraDataCenterSource } from "./jira-dc/index.ts";
import { linearSource } from "./linear/index.ts";
import { servicenowSource } from "./servicenow/index.ts";
import { slackSource } from "./slack/index.ts";
import type { Source } from "./source.ts";

// Adding a source is adding its folder and one line here.
const SOURCES: readonly Source[] = [
  genericSource,
  jiraSource,
  jiraDataCenterSource,
  githubSource,
  linearSource,
  servicenowSource,
  slackSource,
];

/** The names a trigger's `source` may take. */
export const SOURCE_NAMES = SOURCES.map((source) => source.name) as [
  string,
  ...string[],
];

/** Every header that some source signs or authenticates with. */
export const SOURCE_SECRET_HEADERS: ReadonlySet<string> = new Set(
  SOURCES.flatMap((source) => source.secretHeaders),
);

export function sourceNamed(name: string): Source | undefined {
  return SOURCES.find((source) => source.name === name);
}
