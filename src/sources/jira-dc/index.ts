import { jiraFamilySource } from "../jira/index.ts";
import { JIRA_DATA_CENTER } from "../jira/jira-flavour.ts";
import { jiraReporter } from "../jira/report.ts";
import type { Source } from "../source.ts";

/**
 * Jira Data Center and Server: the signature and payloads of Jira Cloud
 * (descriptions in wiki text, users by name and key), reached at its own
 * source name so that its reporting back speaks REST v2.
 */
export const jiraDataCenterSource: Source = {
  ...jiraFamilySource("jira_dc"),
  reporter: jiraReporter(JIRA_DATA_CENTER),
};
