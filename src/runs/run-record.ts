import type { Selectable } from "kysely";
import type { Db } from "../store/database.ts";
import type { RunTable } from "../store/schema.ts";
import type { Ticket } from "../tickets/ticket.ts";

export type RunRow = Selectable<RunTable>;

export async function findRun(
  db: Db,
  projectId: number,
  runId: number,
): Promise<RunRow | undefined> {
  return db
    .selectFrom("runs")
    .selectAll()
    .where("project_id", "=", projectId)
    .where("id", "=", runId)
    .executeTakeFirst();
}

/** The ticket a run was created from, as the workflow reads it. */
export function ticketOf(run: RunRow): Ticket {
  return {
    workflowType: run.workflow_type,
    title: run.title,
    description: run.description,
    externalReference: run.external_reference,
    externalUrl: run.external_url ?? undefined,
    externalSystem: run.external_system,
    context: JSON.parse(run.context) as Record<string, unknown>,
  };
}

/** The run's address in the admin API. */
export function runUrl(
  publicUrl: string,
  run: Pick<RunRow, "id" | "project_id">,
) {
  return `${publicUrl}/api/v4/projects/${run.project_id}/workflows/runs/${run.id}`;
}
