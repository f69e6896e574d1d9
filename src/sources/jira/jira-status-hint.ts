import type { JiraPermission } from "./jira-api.ts";
import type { JiraFlavour } from "./jira-flavour.ts";

const MAX_WORDS_CHARS = 200;

/** What the operator should change when Jira refuses a call. */
export function statusHint(
  status: number,
  context: { flavour: JiraFlavour; issueKey: string; needs: JiraPermission },
): string | undefined {
  switch (status) {
    case 401:
      return (
        "Jira refused the trigger's credentials; " +
        context.flavour.credentialsHint
      );
    case 403:
      return (
        `the Jira user may not do this on ${context.issueKey}; grant ` +
        `them the "${context.needs}" permission in the project's ` +
        "permission scheme"
      );
    case 404:
      return (
        `Jira has no issue ${context.issueKey} that the user can see; ` +
        "check the ticket's key, credentials.base_url and the user's " +
        '"Browse projects" permission'
      );
    default:
      return undefined;
  }
}

/**
 * Jira's own explanation from an error body (`{"errorMessages": […],
 * "errors": {field: message}}`), when the preview holds all of it.
 */
export function jiraWords(bodyPreview: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(bodyPreview);
  } catch {
    return undefined;
  }
  if (typeof body !== "object" || body === null) return undefined;
  const { errorMessages, errors } = body as Record<string, unknown>;
  const words = [
    ...(Array.isArray(errorMessages) ? errorMessages : []),
    ...(typeof errors === "object" && errors !== null
      ? Object.entries(errors).map(([name, value]) => `${name}: ${value}`)
      : []),
  ].filter((word) => typeof word === "string" && word !== "");
  if (words.length === 0) return undefined;
  return JSON.stringify(words.join(" ")).slice(0, MAX_WORDS_CHARS);
}
