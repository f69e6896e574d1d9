import { OutboundError } from "../../outbound/outbound-errors.ts";
import type { ReportCall, ReportOutcome } from "../../outbox/reporter.ts";
import { trackingMessage } from "../../outbox/tracking-message.ts";
import { hasMarker, trackingMarkdown } from "../markup/tracking-markdown.ts";
import type { LinearGraphql } from "./linear-graphql.ts";

const STATE_KEY = "linear_comment_id";

interface Comment {
  id: string;
  body: string;
  /** Null for comments made by integrations without a user. */
  user: { id: string } | null;
}

interface CommentPayload {
  success: boolean;
  comment: { id: string } | null;
}

/**
 * Writes the run's one tracking comment: edits the one the run's state
 * names; else finds it by its marker (an earlier create whose answer
 * was lost) and edits that; else creates it.
 */
export async function writeLinearComment(
  call: ReportCall,
  graphql: LinearGraphql,
): Promise<ReportOutcome> {
  const issue = call.report.externalReference;
  const message = trackingMessage(call.report);
  const body = trackingMarkdown(message);
  const known = call.state[STATE_KEY];

  if (known) {
    try {
      await updateComment(graphql, issue, known, body);
      return outcome(known, "edited");
    } catch (error) {
      // Someone may have deleted the comment: then a new one is made.
      // Any other failure of the edit stands.
      if (!(error instanceof OutboundError) || error.transient) throw error;
      const found = await findComment(graphql, issue, message.marker);
      if (found?.id === known) throw error;
      return placeComment(graphql, issue, body, found);
    }
  }

  const found = await findComment(graphql, issue, message.marker);
  return placeComment(graphql, issue, body, found);
}

/** Edits the comment found by its marker, or creates one. */
async function placeComment(
  graphql: LinearGraphql,
  issue: string,
  body: string,
  found: Comment | undefined,
): Promise<ReportOutcome> {
  if (found) {
    if (found.body === body) return outcome(found.id, "found");
    await updateComment(graphql, issue, found.id, body);
    return outcome(found.id, "edited");
  }

  const created = await graphql<{ commentCreate: CommentPayload }>(
    `commentCreate on ${issue}`,
    `mutation TrackingCommentCreate($input: CommentCreateInput!) {
      commentCreate(input: $input) { success comment { id } }
    }`,
    { input: { issueId: issue, body } },
  );
  return outcome(commentId(created.commentCreate, "commentCreate"), "created");
}

/** The comment carrying the marker that the API key's own user wrote:
 * anyone may quote the marker, and only Flowgate's comment may be taken
 * over. The viewer is asked only when some comment carries it. */
async function findComment(
  graphql: LinearGraphql,
  issue: string,
  marker: string,
): Promise<Comment | undefined> {
  // The filter narrows the issue's comments to those quoting the
  // marker, so a long discussion does not push ours past the page.
  const data = await graphql<{
    issue: { comments: { nodes: Comment[] } } | null;
  }>(
    `the comments of ${issue}`,
    `query TrackingComments($issue: String!, $marker: String!) {
      issue(id: $issue) {
        comments(first: 100, filter: { body: { contains: $marker } }) {
          nodes { id body user { id } }
        }
      }
    }`,
    { issue, marker },
  );
  if (!data.issue) {
    throw new OutboundError(`Linear has no issue ${issue}`, false);
  }
  const carrying = data.issue.comments.nodes.filter((comment) =>
    hasMarker(comment.body, marker),
  );
  if (carrying.length === 0) return undefined;

  const { viewer } = await graphql<{ viewer: { id: string } }>(
    "the API key's user",
    "query TrackingCommentAuthor { viewer { id } }",
    {},
  );
  return carrying.find((comment) => comment.user?.id === viewer.id);
}

async function updateComment(
  graphql: LinearGraphql,
  issue: string,
  id: string,
  body: string,
): Promise<void> {
  const updated = await graphql<{ commentUpdate: CommentPayload }>(
    `commentUpdate on ${issue}`,
    `mutation TrackingCommentUpdate($id: String!, $input: CommentUpdateInput!) {
      commentUpdate(id: $id, input: $input) { success comment { id } }
    }`,
    { id, input: { body } },
  );
  commentId(updated.commentUpdate, "commentUpdate");
}

function commentId(payload: CommentPayload, operation: string): string {
  if (!payload.success || !payload.comment) {
    throw new OutboundError(
      `Linear answered ${operation} without success`,
      false,
    );
  }
  return payload.comment.id;
}

function outcome(id: string, how: string): ReportOutcome {
  return { state: { [STATE_KEY]: id }, details: { comment_id: id, how } };
}
