import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { messageView } from "../../outbox/outbox-message.ts";
import { retryMessage } from "../../outbox/retry-message.ts";
import { findRun } from "../../runs/run-record.ts";
import { HttpError, notFound } from "../http-error.ts";
import { fetchPage, readPage } from "../paging.ts";
import { changeContext, numericParam, projectParam } from "./admin-context.ts";

const BASE = "/api/v4/projects/:id/workflows/runs/:run_id/messages";

/** A run's reporting-back messages, with their attempts, and the retry
 * of one that gave up (docs/reporting-back.md). */
export function runMessageRoutes(app: App) {
  const db = app.store.db;

  return async (server: FastifyInstance) => {
    server.get(BASE, async (request, reply) => {
      const project = await projectParam(app, request);
      const runId = numericParam(request, "run_id", "Run");
      if (!(await findRun(db, project.id, runId))) throw notFound("Run");
      const rows = await fetchPage(
        reply,
        db
          .selectFrom("outbox_messages")
          .selectAll()
          .where("run_id", "=", runId)
          .orderBy("id"),
        readPage(request.query),
      );
      return rows.map(messageView);
    });

    server.post(`${BASE}/:message_id/retry`, async (request, reply) => {
      const project = await projectParam(app, request);
      const runId = numericParam(request, "run_id", "Run");
      const messageId = numericParam(request, "message_id", "Message");
      const outcome = await retryMessage(
        project,
        runId,
        messageId,
        changeContext(app, request),
      );
      if (outcome === "not_found") throw notFound("Message");
      if (outcome === "not_given_up") {
        throw new HttpError(
          409,
          `409 Conflict - message ${messageId} has not given up; only a ` +
            "message that gave up can be retried",
        );
      }
      app.dispatcher?.wake();
      const row = await db
        .selectFrom("outbox_messages")
        .selectAll()
        .where("id", "=", messageId)
        .executeTakeFirstOrThrow();
      return reply.code(201).send(messageView(row));
    });
  };
}
