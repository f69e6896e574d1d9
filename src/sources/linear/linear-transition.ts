import { OutboundError } from "../../outbound/outbound-errors.ts";
import type { ReportCall, ReportOutcome } from "../../outbox/reporter.ts";
import type { LinearGraphql } from "./linear-graphql.ts";

interface WorkflowState {
  id: string;
  name: string;
}

interface IssueStates {
  issue: {
    state: WorkflowState;
    team: { states: { nodes: WorkflowState[] } };
  } | null;
}

/**
 * Moves the issue to the workflow state the settings name for the
 * event, found by name (in any case) among its team's states. An issue
 * already there is left alone, so a repeated message changes nothing.
 */
export async function moveLinearIssue(
  call: ReportCall,
  graphql: LinearGraphql,
): Promise<ReportOutcome> {
  const { event, externalReference: issue } = call.report;
  const wanted = call.sync.transitions[event];
  if (!wanted) return { details: { skipped: `no transition for ${event}` } };

  const data = await graphql<IssueStates>(
    `the workflow states of ${issue}`,
    `query IssueWorkflowStates($issue: String!) {
      issue(id: $issue) {
        state { id name }
        team { states(first: 100) { nodes { id name } } }
      }
    }`,
    { issue },
  );
  if (!data.issue) {
    throw new OutboundError(`Linear has no issue ${issue}`, false);
  }
  const { state: current, team } = data.issue;
  const target = team.states.nodes.find((state) =>
    sameName(state.name, wanted),
  );
  if (!target) {
    const names = team.states.nodes.map((state) => state.name).join(", ");
    throw new OutboundError(
      `Linear's team of ${issue} has no workflow state "${wanted}" ` +
        `(sync.transitions.${event}); its states are: ${names}. Set ` +
        `sync.transitions.${event} to one of them.`,
      false,
    );
  }
  if (target.id === current.id) {
    return { details: { state: target.name, changed: false } };
  }

  const moved = await graphql<{ issueUpdate: { success: boolean } }>(
    `issueUpdate of ${issue} to "${target.name}"`,
    `mutation IssueMove($id: String!, $input: IssueUpdateInput!) {
      issueUpdate(id: $id, input: $input) { success }
    }`,
    { id: issue, input: { stateId: target.id } },
  );
  if (!moved.issueUpdate.success) {
    throw new OutboundError(
      `Linear answered issueUpdate of ${issue} without success`,
      false,
    );
  }
  return {
    details: { state: target.name, from: current.name, changed: true },
  };
}

function sameName(left: string, right: string): boolean {
  return left.trim().toLowerCase() === right.trim().toLowerCase();
}
