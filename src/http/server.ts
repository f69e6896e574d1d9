import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from "fastify";
import type { App } from "../app.ts";
import { ForgeConflictError } from "../forges/forge-conflict-error.ts";
import { ForgeInputError } from "../forges/forge-input-error.ts";
import { ForgeNotFoundError } from "../forges/forge-not-found-error.ts";
import { WorkspacePathError } from "../forges/workspace-path-error.ts";
import { Refusal } from "../ingress/refusal.ts";
import { DEFAULT_DASHBOARD_DIR } from "./dashboard/dashboard-files.ts";
import { dashboardRoutes } from "./dashboard/dashboard-routes.ts";
import { HttpError } from "./http-error.ts";
import { adminRoutes } from "./routes/admin-routes.ts";
import { gitlabFlowEvents } from "./routes/gitlab-flow-events.ts";
import { gitlabWebhook } from "./routes/gitlab-webhook.ts";
import { healthRoutes } from "./routes/health.ts";
import { triggerEndpoints } from "./routes/trigger-endpoints.ts";

const REASONS: Record<number, string> = {
  400: "Bad request",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Payload Too Large",
  406: "Not Acceptable",
  409: "Conflict",
  415: "Unsupported Media Type",
};

export interface ServerOptions {
  /** The built dashboard (`npm run build:web`); default web/dist. */
  dashboardDir?: string | undefined;
}

/** The HTTP server: health, the trigger endpoints, GitLab's merge
 * request webhook, the admin API and the dashboard. */
export function buildServer(
  app: App,
  options: ServerOptions = {},
): FastifyInstance {
  const server = Fastify({
    loggerInstance: app.logger,
    // Per-request lines would double the cost of a delivery; the ingress
    // logs one debug line per delivery instead, with its ids.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: app.config.bodyLimitBytes,
    routerOptions: { ignoreTrailingSlash: true },
    // Malformed URLs get GitLab's error shape too, not fastify's own.
    frameworkErrors: (error, _request, reply) =>
      (reply as FastifyReply)
        .code(400)
        .send({ message: `400 Bad request - ${error.message}` }),
    // Pino's Logger type is wider than fastify's; the instance is the same.
  }) as unknown as FastifyInstance;

  server.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof HttpError || error instanceof Refusal) {
      const errors =
        error instanceof HttpError ? error.errors : error.extra.errors;
      return reply
        .code(error.status)
        .send({ message: error.message, ...(errors ? { errors } : {}) });
    }
    const forgeStatus = statusOfForgeError(error);
    if (forgeStatus) {
      return reply.code(forgeStatus).send({
        message: `${forgeStatus} ${REASONS[forgeStatus] ?? "Conflict"} - ${error.message}`,
      });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const reason = REASONS[status] ?? "Bad request";
      return reply
        .code(status)
        .send({ message: `${status} ${reason} - ${error.message}` });
    }
    request.log.error({ err: error, url: request.url }, "request failed");
    return reply.code(500).send({ message: "500 Internal Server Error" });
  });

  server.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ message: "404 Not Found" }),
  );

  server.register(healthRoutes(app));
  if (app.config.role !== "worker") {
    server.register(triggerEndpoints(app));
    server.register(gitlabWebhook(app));
    server.register(gitlabFlowEvents(app));
    server.register(adminRoutes(app));
    server.register(
      dashboardRoutes(app, options.dashboardDir ?? DEFAULT_DASHBOARD_DIR),
    );
  }
  return server;
}

/** The forge's typed refusals, in GitLab's statuses for the same cases. */
function statusOfForgeError(error: Error): number | undefined {
  if (error instanceof ForgeNotFoundError) return 404;
  if (error instanceof ForgeInputError) return 400;
  if (error instanceof WorkspacePathError) return 400;
  if (error instanceof ForgeConflictError) {
    if (error.reason === "not_open") return 405;
    if (error.reason === "merge_conflict") return 406;
    return 409;
  }
  return undefined;
}
