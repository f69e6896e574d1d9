import { OutboundError } from "../../outbound/outbound-errors.ts";
import type { ReportCall } from "../../outbox/reporter.ts";
import { recordOf } from "./reply-to.ts";
import type { TableApi } from "./table-api.ts";

/** The record a run reports on, and the API that reaches it. */
export interface RecordTarget {
  api: TableApi;
  table: string;
  sysId: string;
}

export function recordTarget(call: ReportCall, api: TableApi): RecordTarget {
  const { table, sysId } = recordOf(call.replyTo);
  if (!sysId) {
    throw new OutboundError(
      `Run ${call.report.runId}'s first delivery carried no sys_id, so ` +
        "Flowgate cannot tell which ServiceNow record to note: make the " +
        "business rule send sys_id and table (docs/providers/servicenow.md)",
      false,
    );
  }
  return { api, table, sysId };
}
