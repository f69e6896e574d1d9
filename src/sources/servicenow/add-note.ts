import type { ReportCall, ReportOutcome } from "../../outbox/reporter.ts";
import { noteText } from "./note-text.ts";
import type { RecordTarget } from "./record-target.ts";

/**
 * Appends the event's note to the record's journal field. Entries
 * cannot be edited, so each event has one; before writing, its marker
 * is looked up in `sys_journal_field`, and a note an earlier attempt
 * made (its answer lost) is not made again.
 */
export async function addNote(
  call: ReportCall,
  { api, table, sysId }: RecordTarget,
): Promise<ReportOutcome> {
  const field = call.sync.noteField;
  const note = noteText(call.report);
  const details = { table, sys_id: sysId, field };

  const found = await api.send<unknown[]>({
    method: "GET",
    path: "/api/now/table/sys_journal_field",
    query: {
      sysparm_query: `element_id=${sysId}^element=${field}^valueLIKE${note.marker}`,
      sysparm_fields: "sys_id",
      sysparm_limit: "1",
    },
    needs:
      "read access to sys_journal_field, to find the notes it made " +
      "(an ACL on sys_journal_field, or a role that has one)",
  });
  if (Array.isArray(found) && found.length > 0) {
    return { details: { ...details, already_noted: true } };
  }

  await api.send({
    method: "PATCH",
    path: `/api/now/table/${table}/${sysId}`,
    query: { sysparm_fields: "sys_id" },
    json: { [field]: note.text },
    needs: `write access to ${field} on ${table} (the itil role has it)`,
    missing: missingRecord(table, sysId),
  });
  return { details };
}

export function missingRecord(table: string, sysId: string): string {
  return (
    `ServiceNow has no ${table} record ${sysId} that the integration ` +
    "user can see: it was deleted, or the user lacks read access to it"
  );
}
