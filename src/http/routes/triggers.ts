import type { FastifyInstance, FastifyRequest } from "fastify";
import type { App } from "../../app.ts";
import { recordAuditEvent } from "../../audit/audit-event.ts";
import type { Project } from "../../projects/project.ts";
import {
  type CreatedTrigger,
  createTrigger,
  TriggerSettingsError,
} from "../../triggers/create-trigger.ts";
import { findTrigger } from "../../triggers/find-trigger.ts";
import { rotateTrigger } from "../../triggers/rotate-trigger.ts";
import {
  type Trigger,
  toTrigger,
  triggerView,
} from "../../triggers/trigger.ts";
import {
  createTriggerSchema,
  rotateTriggerSchema,
  TRIGGER_DEFAULTS,
  updateTriggerSchema,
} from "../../triggers/trigger-settings.ts";
import { updateTrigger } from "../../triggers/update-trigger.ts";
import { HttpError, notFound } from "../http-error.ts";
import { fetchPage, readPage } from "../paging.ts";
import { parseInput } from "../parse-body.ts";
import { changeContext, numericParam, projectParam } from "./admin-context.ts";

const BASE = "/api/v4/projects/:id/workflows/triggers";

export function triggerRoutes(app: App) {
  const webhookUrl = (trigger: Trigger) =>
    `${app.config.publicUrl}/api/v4/projects/${trigger.projectId}/workflows/triggers/${trigger.id}/webhook`;
  const view = (trigger: Trigger) => triggerView(trigger, webhookUrl(trigger));
  // The only answers that hold the secrets: creation and rotation.
  const withSecrets = (created: CreatedTrigger) => ({
    ...view(created.trigger),
    token: created.token,
    signing_secret: created.signingSecret,
  });

  const loadTrigger = async (request: FastifyRequest, project: Project) => {
    const id = numericParam(request, "trigger_id", "Trigger");
    const trigger = await findTrigger(app.store.db, project.id, id, app.now());
    if (!trigger) throw notFound("Trigger");
    return trigger;
  };

  return async (server: FastifyInstance) => {
    server.post(BASE, async (request, reply) => {
      const project = await projectParam(app, request);
      const input = parseInput(createTriggerSchema, request.body);
      const created = await settingsErrors(() =>
        createTrigger(project, input, changeContext(app, request)),
      );
      return reply.code(201).send(withSecrets(created));
    });

    server.get(BASE, async (request, reply) => {
      const project = await projectParam(app, request);
      const rows = await fetchPage(
        reply,
        app.store.db
          .selectFrom("triggers")
          .selectAll()
          .where("project_id", "=", project.id)
          .orderBy("id"),
        readPage(request.query),
      );
      return rows.map((row) => view(toTrigger(row, app.now())));
    });

    server.get(`${BASE}/:trigger_id`, async (request) => {
      const project = await projectParam(app, request);
      return view(await loadTrigger(request, project));
    });

    server.patch(`${BASE}/:trigger_id`, async (request) => {
      const project = await projectParam(app, request);
      const trigger = await loadTrigger(request, project);
      const input = parseInput(updateTriggerSchema, request.body);
      const updated = await settingsErrors(() =>
        updateTrigger(project, trigger, input, changeContext(app, request)),
      );
      return view(updated);
    });

    server.delete(`${BASE}/:trigger_id`, async (request, reply) => {
      const project = await projectParam(app, request);
      const trigger = await loadTrigger(request, project);
      const context = changeContext(app, request);
      await app.store.db.transaction().execute(async (trx) => {
        await trx.deleteFrom("triggers").where("id", "=", trigger.id).execute();
        await recordAuditEvent(trx, {
          actor: context.actor,
          project,
          action: "deleted trigger",
          target: { type: "Trigger", id: trigger.id, details: trigger.name },
          ipAddress: context.ipAddress,
          at: context.now,
        });
      });
      return reply.code(204).send();
    });

    server.post(`${BASE}/:trigger_id/rotate`, async (request) => {
      const project = await projectParam(app, request);
      const trigger = await loadTrigger(request, project);
      const input = parseInput(rotateTriggerSchema, request.body);
      const rotated = await rotateTrigger(
        project,
        trigger,
        input.grace_period_s ?? TRIGGER_DEFAULTS.rotationGraceSeconds,
        changeContext(app, request),
      );
      return withSecrets(rotated);
    });
  };
}

async function settingsErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof TriggerSettingsError) {
      throw new HttpError(400, "400 Bad request", {
        [error.field]: [error.message],
      });
    }
    throw error;
  }
}
