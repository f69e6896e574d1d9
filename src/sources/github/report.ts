import { OutboundError } from "../../outbound/outbound-errors.ts";
import type {
  ReportAction,
  ReportCall,
  Reporter,
  ReportOutcome,
} from "../../outbox/reporter.ts";
import { writeGithubComment } from "./github-comment.ts";
import {
  type GithubIssue,
  type GithubRest,
  githubIssue,
  githubRest,
} from "./github-rest.ts";

// GitHub issues have no workflow, only open and closed; a transition
// naming either sets it, any other name is refused with advice.
const ISSUE_STATES = ["open", "closed"] as const;

/**
 * Tells a GitHub issue about its run over the REST API: one tracking
 * comment edited in place and the labels the settings name per event.
 * GitHub has no remote links: the merge request is linked from the
 * comment.
 */
export const githubReporter: Reporter = {
  actions(event, sync) {
    if (!sync.on[event]) return [];
    const actions: ReportAction[] = [];
    if (sync.comment) actions.push("comment");
    if (sync.labels[event]?.length) actions.push("labels");
    if (sync.transitions[event]) actions.push("transition");
    return actions;
  },

  async deliver(call) {
    const issue = githubIssue(call.report.externalReference);
    const rest = githubRest(call, issue);
    switch (call.action) {
      case "comment":
        return writeGithubComment(call, issue, rest);
      case "labels":
        return addLabels(call, issue, rest);
      case "transition":
        return setIssueState(call, issue, rest);
      case "link":
        throw new OutboundError(
          "GitHub has no remote links: its reporter never asks for one",
          false,
        );
    }
  },
};

/** Adding labels the issue already has changes nothing. */
async function addLabels(
  call: ReportCall,
  issue: GithubIssue,
  rest: GithubRest,
): Promise<ReportOutcome> {
  const labels = call.sync.labels[call.report.event] ?? [];
  if (labels.length === 0) return { details: { skipped: "no labels" } };

  const all = await rest<{ name: string }[]>(
    "POST",
    `${issue.repoPath}/issues/${issue.number}/labels`,
    { labels },
  );
  return { details: { labels: all.map((label) => label.name) } };
}

async function setIssueState(
  call: ReportCall,
  issue: GithubIssue,
  rest: GithubRest,
): Promise<ReportOutcome> {
  const { event } = call.report;
  const wanted = call.sync.transitions[event]?.trim().toLowerCase();
  if (!wanted) return { details: { skipped: `no transition for ${event}` } };
  const state = ISSUE_STATES.find((name) => name === wanted);
  if (!state) {
    throw new OutboundError(
      `GitHub issues have no status "${call.sync.transitions[event]}" ` +
        `(sync.transitions.${event}): set it to "closed" or "open", or ` +
        "remove it",
      false,
    );
  }

  await rest("PATCH", `${issue.repoPath}/issues/${issue.number}`, {
    state,
    ...(state === "closed" && { state_reason: "completed" }),
  });
  return { details: { state } };
}
