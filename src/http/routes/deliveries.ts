import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Selectable } from "kysely";
import { z } from "zod";
import type { App } from "../../app.ts";
import { recordAuditEvent } from "../../audit/audit-event.ts";
import { admitAuthentic } from "../../ingress/receive-delivery.ts";
import type { Project } from "../../projects/project.ts";
import { sourceNamed } from "../../sources/registry.ts";
import { containsText } from "../../store/contains-text.ts";
import type { DeliveryTable } from "../../store/schema.ts";
import { findTrigger } from "../../triggers/find-trigger.ts";
import { HttpError, notFound } from "../http-error.ts";
import { fetchPage, readPage } from "../paging.ts";
import { parseInput } from "../parse-body.ts";
import { changeContext, numericParam, projectParam } from "./admin-context.ts";

const BASE = "/api/v4/projects/:id/workflows/deliveries";

const deliveryFilters = z.object({
  outcome: z
    .enum(["accepted", "duplicate", "ignored", "canceled", "refused"])
    .optional(),
  trigger_id: z.coerce.number().int().min(1).optional(),
  search: z.string().max(200).optional(),
});

type DeliveryRow = Selectable<DeliveryTable>;

function deliveryView(row: DeliveryRow, withBody: boolean) {
  return {
    id: row.id,
    project_id: row.project_id,
    trigger_id: row.trigger_id,
    delivery_key: row.delivery_key,
    outcome: row.outcome,
    status_code: row.status_code,
    reason: row.reason,
    run_id: row.run_id,
    source_ip: row.source_ip,
    headers: JSON.parse(row.headers) as Record<string, string>,
    received_at: row.received_at,
    ...(withBody ? { body: row.body } : {}),
  };
}

export function deliveryRoutes(app: App) {
  const db = app.store.db;
  const loadDelivery = async (request: FastifyRequest, project: Project) => {
    const id = numericParam(request, "delivery_id", "Delivery");
    const row = await db
      .selectFrom("deliveries")
      .selectAll()
      .where("project_id", "=", project.id)
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw notFound("Delivery");
    return row;
  };

  return async (server: FastifyInstance) => {
    server.get(BASE, async (request, reply) => {
      const project = await projectParam(app, request);
      const filters = parseInput(deliveryFilters, request.query);
      let query = db
        .selectFrom("deliveries")
        .selectAll()
        .where("project_id", "=", project.id)
        .orderBy("id", "desc");
      if (filters.outcome) query = query.where("outcome", "=", filters.outcome);
      if (filters.trigger_id)
        query = query.where("trigger_id", "=", filters.trigger_id);
      const { search } = filters;
      if (search) {
        query = query.where((eb) =>
          eb.or([
            containsText("reason", search),
            containsText("delivery_key", search),
          ]),
        );
      }
      const rows = await fetchPage(reply, query, readPage(request.query));
      return rows.map((row) => deliveryView(row, false));
    });

    server.get(`${BASE}/:delivery_id`, async (request) => {
      const project = await projectParam(app, request);
      return deliveryView(await loadDelivery(request, project), true);
    });

    // Replays a stored delivery as if it had just arrived, the admin's
    // token standing in for the sender's signature (which was masked).
    server.post(`${BASE}/:delivery_id/redeliver`, async (request, reply) => {
      const project = await projectParam(app, request);
      const delivery = await loadDelivery(request, project);
      const trigger = delivery.trigger_id
        ? await findTrigger(db, project.id, delivery.trigger_id, app.now())
        : undefined;
      if (!trigger) {
        throw new HttpError(
          409,
          "409 Conflict - the delivery names no existing trigger, so it cannot be redelivered",
        );
      }
      if (!trigger.enabled) {
        throw new HttpError(
          403,
          `403 Forbidden - trigger ${trigger.id} is disabled; enable it before redelivering`,
        );
      }
      const source = sourceNamed(trigger.source);
      if (delivery.body === null || !source) {
        throw new HttpError(
          409,
          "409 Conflict - the delivery has no body to redeliver",
        );
      }

      const context = changeContext(app, request);
      await recordAuditEvent(db, {
        actor: context.actor,
        project,
        action: "redelivered delivery",
        target: { type: "Delivery", id: delivery.id },
        ipAddress: context.ipAddress,
        at: context.now,
      });
      const answer = await admitAuthentic(app.ingress, {
        project,
        trigger,
        source,
        redeliveryOf: delivery.id,
        request: {
          projectRef: String(project.id),
          triggerId: trigger.id,
          headers: JSON.parse(delivery.headers) as Record<string, string>,
          rawBody: Buffer.from(delivery.body, "utf8"),
          receivedAt: context.now,
          sourceIp: request.ip,
        },
      });
      return reply.code(answer.status).send(answer.body);
    });
  };
}
