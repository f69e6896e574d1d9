import {
  OutboundError,
  OutboundStatusError,
} from "../../outbound/outbound-errors.ts";
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
  user?: { login?: string; type?: string } | null;
  performed_via_github_app?: { slug?: string } | null;
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

/** The comment carrying the marker that the token's own user (or, for
 * a GitHub App, its bot) wrote: anyone may quote the marker, and only
 * Flowgate's comment may be taken over. */
async function findComment(
  rest: GithubRest,
  issue: GithubIssue,
  marker: string,
): Promise<IssueComment | undefined> {
  const carrying: IssueComment[] = [];
  for (let page = 1; page <= MAX_PAGES; page += 1) {
    const comments = await rest<IssueComment[]>(
      "GET",
      `${issue.repoPath}/issues/${issue.number}/comments` +
        `?per_page=${PER_PAGE}&page=${page}`,
    );
    carrying.push(
      ...comments.filter((comment) => comment.body?.includes(marker)),
    );
    if (carrying.length > 0 || comments.length < PER_PAGE) break;
  }
  if (carrying.length === 0) return undefined;

  const isMine = await authorCheck(rest);
  return carrying.find(isMine);
}

/**
 * How to tell Flowgate's own comments. A user's token (classic or
 * fine-grained) names its user at GET /user. A GitHub App's installation
 * token may not read /user (403); its comments are by the app's bot
 * user, `<slug>[bot]`, and GitHub marks them performed via that app,
 * which no person can forge.
 */
async function authorCheck(
  rest: GithubRest,
): Promise<(comment: IssueComment) => boolean> {
  let login: string | undefined;
  try {
    login = (await rest<{ login?: string }>("GET", "/user")).login;
  } catch (error) {
    const refusal = error instanceof Error ? error.cause : undefined;
    if (!(refusal instanceof OutboundStatusError) || refusal.status !== 403) {
      throw error;
    }
    return (comment) => {
      const slug = comment.performed_via_github_app?.slug;
      return (
        slug !== undefined &&
        comment.user?.type === "Bot" &&
        comment.user.login === `${slug}[bot]`
      );
    };
  }
  return (comment) => login !== undefined && comment.user?.login === login;
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
