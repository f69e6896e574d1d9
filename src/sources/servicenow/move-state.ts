import { OutboundError } from "../../outbound/outbound-errors.ts";
import type { ReportCall, ReportOutcome } from "../../outbox/reporter.ts";
import { missingRecord } from "./add-note.ts";
import type { RecordTarget } from "./record-target.ts";

interface Choice {
  name?: string;
  value?: string;
  label?: string;
}

/**
 * Sets the record's `state` to what `sync.transitions` names for the
 * event: a choice value (`2`) as it is, a label (`In Progress`) looked
 * up among the table's state choices first, so a misspelt label is an
 * error rather than a bogus value on the record. Setting a state twice
 * changes nothing, so a resend is harmless.
 */
export async function moveState(
  call: ReportCall,
  target: RecordTarget,
): Promise<ReportOutcome> {
  const wanted = call.sync.transitions[call.report.event]?.trim();
  if (!wanted) return {};
  const { api, table, sysId } = target;
  const value = /^-?\d+$/.test(wanted)
    ? wanted
    : await valueOfLabel(target, wanted);

  const record = await api.send<{ state?: unknown }>({
    method: "PATCH",
    path: `/api/now/table/${table}/${sysId}`,
    query: { sysparm_fields: "state" },
    json: { state: value },
    needs: `write access to state on ${table}`,
    missing: missingRecord(table, sysId),
  });
  // A business rule or data policy may keep the state where it was.
  if (String(record.state) !== value) {
    throw new OutboundError(
      `ServiceNow kept ${table} ${sysId} in state ${String(record.state)} ` +
        `when Flowgate set ${value} ("${wanted}"): a business rule or ` +
        "the state model forbids the move; name a state it allows in " +
        "the trigger's sync.transitions",
      false,
    );
  }
  return { details: { table, sys_id: sysId, state: wanted } };
}

/** Tables such as incident define their own state choices; others
 * inherit task's, so the table's own win. */
async function valueOfLabel(
  { api, table }: RecordTarget,
  label: string,
): Promise<string> {
  const choices = await api.send<Choice[]>({
    method: "GET",
    path: "/api/now/table/sys_choice",
    query: {
      sysparm_query: `nameIN${table},task^element=state^label=${label}^inactive=false`,
      sysparm_fields: "name,value,label",
    },
    needs: "read access to sys_choice, to find state values by label",
  });
  const list = Array.isArray(choices) ? choices : [];
  const choice =
    list.find((entry) => entry.name === table) ??
    list.find((entry) => entry.name === "task");
  if (typeof choice?.value !== "string") {
    throw new OutboundError(
      `ServiceNow's ${table} table has no state labelled "${label}": ` +
        "name one of its states (label or number) in the trigger's " +
        "sync.transitions",
      false,
    );
  }
  return choice.value;
}
