import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { App } from "../../app.ts";
import { containsText } from "../../store/contains-text.ts";
import { fetchPage, readPage } from "../paging.ts";
import { parseInput } from "../parse-body.ts";
import { projectParam } from "./admin-context.ts";

const auditFilters = z.object({
  created_after: z.iso.datetime({ offset: true }).optional(),
  created_before: z.iso.datetime({ offset: true }).optional(),
  search: z.string().max(200).optional(),
});

/** Audit events newest first, in GitLab's audit event shape. */
export function auditEventRoutes(app: App) {
  return async (server: FastifyInstance) => {
    server.get(
      "/api/v4/projects/:id/workflows/audit_events",
      async (request, reply) => {
        const project = await projectParam(app, request);
        const filters = parseInput(auditFilters, request.query);
        let query = app.store.db
          .selectFrom("audit_events")
          .selectAll()
          .where("entity_type", "=", "Project")
          .where("entity_id", "=", project.id)
          .orderBy("id", "desc");
        if (filters.created_after) {
          query = query.where("created_at", ">=", iso(filters.created_after));
        }
        if (filters.created_before) {
          query = query.where("created_at", "<=", iso(filters.created_before));
        }
        const { search } = filters;
        if (search) {
          query = query.where((eb) =>
            eb.or([
              containsText("action", search),
              containsText("author_name", search),
              containsText("target_details", search),
            ]),
          );
        }
        const rows = await fetchPage(reply, query, readPage(request.query));
        return rows.map((row) => ({
          id: row.id,
          author_id: row.author_id,
          entity_id: row.entity_id,
          entity_type: row.entity_type,
          details: {
            ...(JSON.parse(row.details) as Record<string, unknown>),
            custom_message: row.action,
            author_name: row.author_name,
            target_id: row.target_id,
            target_type: row.target_type,
            target_details: row.target_details,
            ip_address: row.ip_address,
            entity_path: row.entity_path,
          },
          created_at: row.created_at,
        }));
      },
    );
  };
}

function iso(value: string): string {
  return new Date(value).toISOString();
}
