import { OutboundError } from "../../outbound/outbound-errors.ts";
import type {
  ReportAction,
  ReportCall,
  Reporter,
  ReportOutcome,
} from "../../outbox/reporter.ts";
import { writeLinearComment } from "./linear-comment.ts";
import { type LinearGraphql, linearGraphql } from "./linear-graphql.ts";
import { moveLinearIssue } from "./linear-transition.ts";

/**
 * Tells a Linear issue about its run over Linear's GraphQL API: one
 * tracking comment edited in place, an attachment linking the merge
 * request, and the workflow state the settings name per event.
 */
export const linearReporter: Reporter = {
  actions(event, sync) {
    if (!sync.on[event]) return [];
    const actions: ReportAction[] = [];
    if (sync.comment) actions.push("comment");
    if (sync.link && event === "merge_request_opened") actions.push("link");
    if (sync.transitions[event]) actions.push("transition");
    return actions;
  },

  async deliver(call) {
    const graphql = linearGraphql(call);
    switch (call.action) {
      case "comment":
        return writeLinearComment(call, graphql);
      case "link":
        return linkMergeRequest(call, graphql);
      case "transition":
        return moveLinearIssue(call, graphql);
      case "labels":
        throw new OutboundError(
          "Linear reports no labels: its reporter never asks for them",
          false,
        );
    }
  },
};

/** Attaches the merge request; Linear upserts attachments by URL on an
 * issue, so sending it again changes nothing. */
async function linkMergeRequest(
  call: ReportCall,
  graphql: LinearGraphql,
): Promise<ReportOutcome> {
  const { mergeRequest, externalReference: issue, runId } = call.report;
  if (!mergeRequest) return { details: { skipped: "no merge request yet" } };

  const data = await graphql<{
    attachmentCreate: { success: boolean; attachment: { id: string } };
  }>(
    `attachmentCreate on ${issue}`,
    `mutation MergeRequestAttachment($input: AttachmentCreateInput!) {
      attachmentCreate(input: $input) { success attachment { id } }
    }`,
    {
      input: {
        issueId: issue,
        url: mergeRequest.webUrl,
        title: `Merge request !${mergeRequest.iid}`,
        subtitle: `Flowgate run #${runId}`,
      },
    },
  );
  if (!data.attachmentCreate.success) {
    throw new OutboundError(
      `Linear answered attachmentCreate on ${issue} without success`,
      false,
    );
  }
  return { details: { attachment_id: data.attachmentCreate.attachment.id } };
}
