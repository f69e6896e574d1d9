// What the trigger form knows of each source: its credentials for
// reporting back (docs/api.md, docs/reporting-back.md) and whether the
// provider makes the signing secret itself.

export const SOURCES = [
  "generic",
  "jira",
  "jira_dc",
  "github",
  "linear",
  "servicenow",
  "slack",
] as const;

export type SourceName = (typeof SOURCES)[number];

export interface CredentialField {
  key: string;
  label: string;
  secret: boolean;
  optional?: boolean;
}

const url = (key: string, label: string): CredentialField => ({
  key,
  label,
  secret: false,
});
const secret = (key: string, label: string): CredentialField => ({
  key,
  label,
  secret: true,
});

export const CREDENTIALS: Record<SourceName, CredentialField[]> = {
  generic: [],
  jira: [
    url("base_url", "Jira site URL (https://acme.atlassian.net)"),
    url("email", "Email of the Jira account Flowgate acts as"),
    secret("api_token", "Atlassian API token of that account"),
  ],
  jira_dc: [
    url("base_url", "Jira base URL"),
    secret("token", "Personal access token"),
  ],
  github: [
    secret("token", "Token with issues: write"),
    { ...url("api_url", "API URL (GitHub Enterprise only)"), optional: true },
  ],
  linear: [
    secret("api_key", "Linear API key"),
    { ...url("api_url", "GraphQL API URL (tests only)"), optional: true },
  ],
  servicenow: [
    url("instance_url", "Instance URL (https://acme.service-now.com)"),
    url("username", "User name (basic authentication)"),
    secret("password", "Password (basic authentication)"),
  ],
  slack: [secret("bot_token", "Bot token (xoxb-…)")],
};

/** Slack and Linear sign with a secret they make; it is pasted here. */
export const PROVIDER_MADE_SECRET: ReadonlySet<SourceName> = new Set([
  "slack",
  "linear",
]);

export function isSource(value: string): value is SourceName {
  return (SOURCES as readonly string[]).includes(value);
}
