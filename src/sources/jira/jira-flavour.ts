import { OutboundError } from "../../outbound/outbound-errors.ts";
import type { TrackingMessage } from "../../outbox/tracking-message.ts";
import { trackingAdf } from "./tracking-adf.ts";
import { trackingWiki } from "./tracking-wiki.ts";

/**
 * What differs between Jira Cloud and Data Center when Flowgate reports
 * back: the REST version, how the trigger's credentials authenticate,
 * the markup of comment bodies and how a user is identified.
 */
export interface JiraFlavour {
  /** For messages: "Jira Cloud". */
  readonly label: string;
  readonly apiVersion: 2 | 3;
  /** The Authorization header; throws naming a missing credential. */
  authorization(credentials: Readonly<Record<string, string>>): string;
  /** Which credentials to set again when Jira refuses them. */
  readonly credentialsHint: string;
  /** A comment body: an ADF document or wiki text. */
  render(message: TrackingMessage): unknown;
  /** A user object of Jira's answers, as one comparable string. */
  identity(user: unknown): string | undefined;
}

export const JIRA_CLOUD: JiraFlavour = {
  label: "Jira Cloud",
  apiVersion: 3,
  authorization(credentials) {
    const email = credential(credentials, "email", "Jira Cloud");
    const token = credential(credentials, "api_token", "Jira Cloud");
    const pair = Buffer.from(`${email}:${token}`).toString("base64");
    return `Basic ${pair}`;
  },
  credentialsHint:
    "set credentials.email to the Jira user's email and " +
    "credentials.api_token to an API token of that user",
  render: trackingAdf,
  identity: (user) => field(user, "accountId"),
};

export const JIRA_DATA_CENTER: JiraFlavour = {
  label: "Jira Data Center",
  apiVersion: 2,
  authorization(credentials) {
    return `Bearer ${credential(credentials, "token", "Jira Data Center")}`;
  },
  credentialsHint:
    "set credentials.token to a personal access token of a Jira user",
  render: trackingWiki,
  // The key survives a user's renaming; older servers send only a name.
  identity: (user) => field(user, "key") ?? field(user, "name"),
};

/** One credential of the trigger's, or an error naming the key to set. */
export function credential(
  credentials: Readonly<Record<string, string>>,
  key: string,
  label: string,
): string {
  const value = credentials[key]?.trim();
  if (value) return value;
  throw new OutboundError(
    `${label} reporting needs credentials.${key}, which the trigger ` +
      `lacks; set it on the trigger (PATCH …/workflows/triggers/` +
      ":trigger_id with its credentials)",
    false,
  );
}

function field(user: unknown, name: string): string | undefined {
  if (typeof user !== "object" || user === null) return undefined;
  const value = (user as Record<string, unknown>)[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}
