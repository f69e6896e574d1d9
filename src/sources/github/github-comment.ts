import { OutboundError } from "../../outbound/outbound-errors.ts";
import type { ReportCall, ReportOutcome } from "../../outbox/reporter.ts";
import { trackingMessage } from "../../outbox/tracking-message.ts";
import { trackingMarkdown } from "../markup/tracking-markdown.ts";
import type { GithubIssue, GithubRest } from "./github-rest.ts";

const STATE_KEY = "github_comment_id";
const PER_PAGE = 100;
// Ten pages cover an issue with a thousand comments; past that a lost
// create is made again rather than reading the issue's whole history.
const MAX_PAGES = 10;

interface IssueComment {
  id: number;
  body?: string | null;
}

/**
 * Writes the run's one tracking comment: edits the one the run's state
 * names; else finds it by its hidden marker (an earlier create whose
 * answer was lost) and edits that; else creates it.
 */
export async function writeGithubComment(
  call: ReportCall,
  issue: GithubIssue,
  rest: GithubRest,
): Promise<ReportOutcome> {
  const message = trackingMessage(call.report);
  // An HTML comment does not show, and no rendered text can forge it:
  // the Markdown escapes every `<` it writes.
  const marker = `<!-- flowgate-run: ${message.marker} -->`;
  const body = `${trackingMarkdown(message)}\n\n${marker}`;
  const known = call.state[STATE_KEY];

  if (known) {
    try {
      await editComment(rest, issue, known, body);
      return outcome(known, "edited");
    } catch (error) {
      // Someone may have deleted the comment: then a new one is made.
      // Any other failure of the edit stands.
      if (!(error instanceof OutboundError) || error.transient) throw error;
      const found = await findComment(rest, issue, marker);
      if (found && String(found.id) === known) throw error;
      return placeComment(rest, issue, body, found);
    }
  }

  const found = await findComment(rest, issue, marker);
  return placeComment(rest, issue, body, found);
}

async function placeComment(
  rest: GithubRest,
  issue: GithubIssue,
  body: string,
  found: IssueComment | undefined,
): Promise<ReportOutcome> {
  if (found) {
    const id = String(found.id);
    if (found.body === body) return outcome(id, "found");
    await editComment(rest, issue, id, body);
    return outcome(id, "edited");
  }

  const created = await rest<IssueComment>(
    "POST",
    `${issue.repoPath}/issues/${issue.number}/comments`,
    { body },
  );
  return outcome(String(created.id), "created");
}

async function findComment(
  rest: GithubRest,
  issue: GithubIssue,
  marker: string,
): Promise<IssueComment | undefined> {
  for (let page = 1; page <= MAX_PAGES; page += 1) {
    const comments = await rest<IssueComment[]>(
      "GET",
      `${issue.repoPath}/issues/${issue.number}/comments` +
        `?per_page=${PER_PAGE}&page=${page}`,
    );
    const found = comments.find((comment) => comment.body?.includes(marker));
    if (found) return found;
    if (comments.length < PER_PAGE) return undefined;
  }
  return undefined;
}

async function editComment(
  rest: GithubRest,
  issue: GithubIssue,
  id: string,
  body: string,
): Promise<void> {
  await rest(
    "PATCH",
    `${issue.repoPath}/issues/comments/${encodeURIComponent(id)}`,
    { body },
  );
}

function outcome(id: string, how: string): ReportOutcome {
  return { state: { [STATE_KEY]: id }, details: { comment_id: id, how } };
}
