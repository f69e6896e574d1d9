// The body docs/providers/servicenow.md recommends that a business rule
// send for an incident. Written for these tests.

export interface IncidentOptions {
  number: string;
  event?: "insert" | "update" | "delete";
  state?: string;
  previousState?: string;
  comment?: string;
  updatedBy?: string;
  labels?: string[];
}

export function incident(options: IncidentOptions) {
  const sysId = options.number.replace(/\D/g, "").padStart(32, "a").slice(-32);
  return {
    event: options.event ?? "insert",
    table: "incident",
    sys_id: sysId,
    number: options.number,
    short_description: `Email server down for ${options.number} — überall`,
    description:
      "Users cannot send mail.\n\nAcceptance criteria:\n- Mail flows\n- Alert closes",
    priority: "2 - High",
    assigned_to: "Beth Anglin",
    opened_by: "Abel Tuter",
    state: options.state ?? "New",
    ...(options.previousState ? { previous_state: options.previousState } : {}),
    ...(options.comment
      ? { comment: options.comment, comment_author: "Abel Tuter" }
      : {}),
    ...(options.labels ? { labels: options.labels } : {}),
    sys_updated_on: `2026-12-03 10:${String(Math.floor(Math.random() * 60)).padStart(2, "0")}:00`,
    sys_updated_by: options.updatedBy ?? "abel.tuter",
    instance_url: "https://acme.service-now.com",
  };
}
