import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { App } from "../../app.ts";
import type { Project } from "../../projects/project.ts";
import { cancelRun } from "../../runs/cancel-run.ts";
import { retryRun } from "../../runs/retry-run.ts";
import { findRun, type RunRow } from "../../runs/run-record.ts";
import { RUN_STATUSES } from "../../runs/run-status.ts";
import { runView } from "../../runs/run-view.ts";
import { containsText } from "../../store/contains-text.ts";
import { HttpError, notFound } from "../http-error.ts";
import { fetchPage, readPage } from "../paging.ts";
import { parseInput } from "../parse-body.ts";
import { changeContext, numericParam, projectParam } from "./admin-context.ts";

const BASE = "/api/v4/projects/:id/workflows/runs";

const runFilters = z.object({
  status: z.enum(RUN_STATUSES).optional(),
  external_reference: z.string().max(128).optional(),
  trigger_id: z.coerce.number().int().min(1).optional(),
  search: z.string().max(200).optional(),
});

export function runRoutes(app: App) {
  const db = app.store.db;
  const show = (run: RunRow, project: Project, withEvents: boolean) =>
    runView(db, run, {
      publicUrl: app.config.publicUrl,
      projectPath: project.path,
      withEvents,
    });
  const loadRun = async (request: FastifyRequest, project: Project) => {
    const run = await findRun(
      db,
      project.id,
      numericParam(request, "run_id", "Run"),
    );
    if (!run) throw notFound("Run");
    return run;
  };

  return async (server: FastifyInstance) => {
    server.get(BASE, async (request, reply) => {
      const project = await projectParam(app, request);
      const filters = parseInput(runFilters, request.query);
      let query = db
        .selectFrom("runs")
        .selectAll()
        .where("project_id", "=", project.id)
        .orderBy("id", "desc");
      if (filters.status) query = query.where("status", "=", filters.status);
      if (filters.external_reference) {
        query = query.where(
          "external_reference",
          "=",
          filters.external_reference,
        );
      }
      if (filters.trigger_id)
        query = query.where("trigger_id", "=", filters.trigger_id);
      const { search } = filters;
      if (search) {
        query = query.where((eb) =>
          eb.or([
            containsText("title", search),
            containsText("external_reference", search),
          ]),
        );
      }
      const rows = await fetchPage(reply, query, readPage(request.query));
      return Promise.all(rows.map((row) => show(row, project, false)));
    });

    server.get(`${BASE}/:run_id`, async (request) => {
      const project = await projectParam(app, request);
      return show(await loadRun(request, project), project, true);
    });

    // Every model call and tool call of the agent, oldest first, secrets
    // redacted (docs/api.md).
    server.get(`${BASE}/:run_id/transcript`, async (request, reply) => {
      const project = await projectParam(app, request);
      const run = await loadRun(request, project);
      const rows = await fetchPage(
        reply,
        db
          .selectFrom("run_transcript_entries")
          .select(["attempt", "kind", "at", "duration_ms", "details"])
          .where("run_id", "=", run.id)
          .orderBy("id"),
        readPage(request.query),
      );
      return rows.map((row) => ({
        attempt: row.attempt,
        kind: row.kind,
        at: row.at,
        duration_ms: row.duration_ms,
        details: JSON.parse(row.details) as Record<string, unknown>,
      }));
    });

    server.post(`${BASE}/:run_id/cancel`, async (request) => {
      const project = await projectParam(app, request);
      const run = await loadRun(request, project);
      const canceled = await cancelRun(
        project,
        run.id,
        changeContext(app, request),
        {},
        { publicUrl: app.config.publicUrl },
      );
      if (!canceled) {
        throw new HttpError(
          409,
          `409 Conflict - run ${run.id} is ${run.status} and cannot be canceled`,
        );
      }
      app.worker?.abortRun(run.id);
      app.dispatcher?.wake();
      return show(await loadRun(request, project), project, true);
    });

    server.post(`${BASE}/:run_id/retry`, async (request, reply) => {
      const project = await projectParam(app, request);
      const run = await loadRun(request, project);
      const outcome = await retryRun(
        project,
        run.id,
        changeContext(app, request),
      );
      if (outcome === "ticket_busy") {
        throw new HttpError(
          409,
          `409 Conflict - another run for ${run.external_reference} is active; ` +
            "cancel it or wait for it to finish",
        );
      }
      if (outcome === "not_retryable") {
        throw new HttpError(
          409,
          `409 Conflict - run ${run.id} is ${run.status}; only failed or canceled runs can be retried`,
        );
      }
      app.worker?.wake();
      return reply
        .code(201)
        .send(await show(await loadRun(request, project), project, true));
    });
  };
}
