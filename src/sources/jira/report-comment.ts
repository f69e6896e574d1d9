import { z } from "zod";
import type { ReportCall, ReportOutcome } from "../../outbox/reporter.ts";
import { trackingMessage } from "../../outbox/tracking-message.ts";
import type { JiraApi } from "./jira-api.ts";
import type { JiraFlavour } from "./jira-flavour.ts";

const STATE_KEY = "jira_comment_id";
// A lost create is found again on its retry, seconds later, so the
// newest page of comments holds it.
const SEARCHED_COMMENTS = "100";

const commentId = z.union([z.string(), z.number()]).transform(String);
const comment = z.object({ id: commentId });
const commentPage = z.object({
  comments: z.array(
    z.object({ id: commentId, body: z.unknown(), author: z.unknown() }),
  ),
});

/**
 * Keeps the run's one tracking comment: edits the comment an earlier
 * message made; else finds the one a create whose answer was lost made
 * (by the marker, written by Flowgate's own user); else creates it.
 */
export async function reportComment(
  api: JiraApi,
  flavour: JiraFlavour,
  call: ReportCall,
): Promise<ReportOutcome> {
  const message = trackingMessage(call.report);
  const body = { body: flavour.render(message) };

  const known = call.state[STATE_KEY];
  if (known && (await edit(api, known, body))) {
    return outcome(known, "edited");
  }

  const found = await findComment(api, flavour, message.marker);
  if (found && (await edit(api, found, body))) {
    return outcome(found, "found and edited");
  }

  const created = await api.send({
    method: "POST",
    path: api.issuePath("/comment"),
    json: body,
    needs: "Add comments",
  });
  return outcome(created.read(comment).id, "created");
}

/** False when the comment is gone (someone deleted it). */
async function edit(api: JiraApi, id: string, body: unknown) {
  const answer = await api.sendIfFound({
    method: "PUT",
    path: api.issuePath(`/comment/${encodeURIComponent(id)}`),
    json: body,
    needs: "Edit own comments",
  });
  return answer !== undefined;
}

async function findComment(
  api: JiraApi,
  flavour: JiraFlavour,
  marker: string,
): Promise<string | undefined> {
  const page = await api.send({
    method: "GET",
    path: api.issuePath("/comment"),
    query: { orderBy: "-created", maxResults: SEARCHED_COMMENTS },
    needs: "Browse projects",
  });
  const carrying = page
    .read(commentPage)
    .comments.filter((entry) => carriesMarker(entry.body, marker));
  if (carrying.length === 0) return undefined;

  // A person may paste the run's URL into a comment of their own; only
  // a comment by the user Flowgate reports as is its tracking comment.
  const me = (
    await api.send({ method: "GET", path: "/myself", needs: "Browse projects" })
  ).read(z.unknown());
  const self = flavour.identity(me);
  return carrying.find(
    (entry) => self && flavour.identity(entry.author) === self,
  )?.id;
}

/**
 * True when the body (wiki text, or an ADF document searched as JSON,
 * where a link's href counts) holds the marker as a whole URL: the run
 * `…/runs/1` must not match the comment of `…/runs/12`.
 */
export function carriesMarker(body: unknown, marker: string): boolean {
  const text = typeof body === "string" ? body : JSON.stringify(body ?? "");
  for (
    let at = text.indexOf(marker);
    at !== -1;
    at = text.indexOf(marker, at + 1)
  ) {
    const next = text[at + marker.length];
    if (next === undefined || !/[\w\-.~/%]/.test(next)) return true;
  }
  return false;
}

function outcome(id: string, how: string): ReportOutcome {
  return { state: { [STATE_KEY]: id }, details: { comment_id: id, how } };
}
