import { servicenowPayload } from "./payload.ts";

const DEFAULT_TABLE = "incident";

/** A record's table and sys_id as the recommended body names them. */
export interface ServicenowRecord {
  table: string;
  sysId: string | undefined;
}

/**
 * Where notes about a run go: the record's table and `sys_id`, from the
 * recommended body, or from the generic body's `context` when a script
 * sends that shape. Both are checked as the payload checks them, since
 * they become part of a Table API path.
 */
export function servicenowReplyTo(body: unknown): Record<string, string> {
  const top = objectOr(body);
  const context = objectOr(top.context);
  const table = valid("table", top.table) ?? valid("table", context.table);
  const sysId = valid("sys_id", top.sys_id) ?? valid("sys_id", context.sys_id);
  return {
    table: table ?? DEFAULT_TABLE,
    ...(sysId ? { sys_id: sysId } : {}),
  };
}

/** The record a stored replyTo names, checked again before use. */
export function recordOf(
  replyTo: Readonly<Record<string, string>>,
): ServicenowRecord {
  return {
    table: valid("table", replyTo.table) ?? DEFAULT_TABLE,
    sysId: valid("sys_id", replyTo.sys_id),
  };
}

function valid(field: "table" | "sys_id", value: unknown): string | undefined {
  const parsed = servicenowPayload.shape[field].safeParse(value);
  return parsed.success ? parsed.data.toLowerCase() : undefined;
}

function objectOr(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
