// An issue's URL: https://linear.app/<workspace>/issue/ENG-123/<slug>.
const IN_ISSUE_URL =
  /^https:\/\/linear\.app\/[^/]+\/issue\/([A-Za-z0-9]{1,16}-\d{1,12})(?:[/?#]|$)/;

export interface IssueNames {
  identifier?: string | undefined;
  url?: string | null | undefined;
  team?: { key: string } | null | undefined;
  number?: number | undefined;
}

/**
 * The issue's identifier (ENG-123), which every delivery about the issue
 * must agree on so that comments join the issue's run: `identifier`
 * when sent (checked later, like any reference), else team key and
 * number, else the one in the issue's URL. Undefined when the delivery
 * names the issue only by its id.
 */
export function issueIdentifier(issue: IssueNames): string | undefined {
  if (issue.identifier !== undefined) return issue.identifier;
  if (issue.team?.key && issue.number !== undefined) {
    return `${issue.team.key}-${issue.number}`;
  }
  return issue.url ? IN_ISSUE_URL.exec(issue.url)?.[1] : undefined;
}
