import { OutboundError } from "../../outbound/outbound-errors.ts";
import type {
  ReportAction,
  ReportCall,
  Reporter,
  ReportOutcome,
} from "../../outbox/reporter.ts";
import type { SyncEvent } from "../../outbox/sync-event.ts";
import type { SyncSettings } from "../../outbox/sync-settings.ts";
import { JiraApi } from "./jira-api.ts";
import type { JiraFlavour } from "./jira-flavour.ts";
import { reportComment } from "./report-comment.ts";
import { reportLink } from "./report-link.ts";
import { reportTransition } from "./report-transition.ts";

/**
 * Reports a run back to a Jira ticket, Cloud or Data Center by flavour:
 * one tracking comment edited in place, a remote link to the merge
 * request, and the transitions the trigger's settings name.
 */
export function jiraReporter(flavour: JiraFlavour): Reporter {
  return {
    actions: jiraActions,
    // Async, so a missing credential rejects instead of throwing.
    async deliver(call: ReportCall): Promise<ReportOutcome> {
      const api = new JiraApi(flavour, call);
      switch (call.action) {
        case "comment":
          return reportComment(api, flavour, call);
        case "link":
          return reportLink(api, call);
        case "transition":
          return reportTransition(api, call);
        case "labels":
          throw new OutboundError(
            `${flavour.label} takes no labels from Flowgate; ` +
              "sync.labels applies to GitHub triggers",
            false,
          );
      }
    },
  };
}

function jiraActions(event: SyncEvent, sync: SyncSettings): ReportAction[] {
  if (!sync.on[event]) return [];
  const actions: ReportAction[] = [];
  if (sync.comment) actions.push("comment");
  if (sync.link && event === "merge_request_opened") actions.push("link");
  if (sync.transitions[event] !== undefined) actions.push("transition");
  return actions;
}
