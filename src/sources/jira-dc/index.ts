import { jiraFamilySource } from "../jira/index.ts";

/**
 * Jira Data Center and Server: the signature and payloads of Jira Cloud
 * (descriptions in wiki text, users by name and key), reached at its own
 * source name so that its reporting back speaks REST v2.
 */
export const jiraDataCenterSource = jiraFamilySource("jira_dc");
