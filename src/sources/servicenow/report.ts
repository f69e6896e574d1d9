import { OutboundError } from "../../outbound/outbound-errors.ts";
import type { ReportAction, Reporter } from "../../outbox/reporter.ts";
import { addNote } from "./add-note.ts";
import { moveState } from "./move-state.ts";
import { OauthTokens } from "./oauth-tokens.ts";
import { recordTarget } from "./record-target.ts";
import { servicenowReplyTo } from "./reply-to.ts";
import { tableApi } from "./table-api.ts";

/**
 * Reports a run on a ServiceNow record through the Table API, with
 * Basic credentials or an OAuth client's tokens:
 * - `comment`: a journal note (`sync.note_field`) per event;
 * - `transition`: the record's `state`, when `sync.transitions` names
 *   one for the event.
 * ServiceNow has no links to upsert, so `link` is never asked for.
 */
export function createServicenowReporter(
  options: { now?: () => number } = {},
): Reporter {
  const tokens = new OauthTokens(options.now ?? Date.now);

  return {
    actions(event, sync) {
      if (!sync.on[event]) return [];
      const actions: ReportAction[] = [];
      if (sync.comment) actions.push("comment");
      if (sync.transitions[event] !== undefined) actions.push("transition");
      return actions;
    },

    async deliver(call) {
      const target = recordTarget(call, tableApi(call, tokens));
      if (call.action === "comment") return addNote(call, target);
      if (call.action === "transition") return moveState(call, target);
      throw new OutboundError(
        `ServiceNow cannot ${call.action}: it has only notes and states`,
        false,
      );
    },

    replyTo: servicenowReplyTo,
  };
}

export const servicenowReporter = createServicenowReporter();
