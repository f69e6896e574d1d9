import fastifyCookie from "@fastify/cookie";
import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { adminGuard } from "../admin-auth.ts";
import { cookieSessionCheck } from "../dashboard/cookie-auth.ts";
import { gitlabAccess } from "../gitlab-access.ts";
import { auditEventRoutes } from "./audit-events.ts";
import { deliveryRoutes } from "./deliveries.ts";
import { mergeRequestRoutes } from "./merge-requests.ts";
import { projectRoutes } from "./projects.ts";
import { repositoryRoutes } from "./repository.ts";
import { runEventStreamRoutes } from "./run-event-stream.ts";
import { runMessageRoutes } from "./run-messages.ts";
import { runRoutes } from "./runs.ts";
import { triggerRoutes } from "./triggers.ts";

/** The admin API of DESIGN.md §3, behind the admin token (or, on a
 * GitLab project's routes, a GitLab token with the access they need),
 * or a dashboard session's cookie standing for either. */
export function adminRoutes(app: App) {
  return async (server: FastifyInstance) => {
    // The dashboard's session cookie is parsed here and in the
    // dashboard's routes only: a delivery to a trigger endpoint pays
    // for no cookie hooks. Awaited, so it parses before the guard runs.
    await server.register(fastifyCookie);
    const gitlabToken = gitlabAccess(app);
    server.addHook(
      "onRequest",
      adminGuard(
        app.adminToken,
        gitlabToken,
        cookieSessionCheck(app, gitlabToken),
      ),
    );
    // A change may disable a trigger or revoke a token: forget lookups.
    // Cleared before the answer leaves, so the sender's next request
    // already sees the change.
    server.addHook("onSend", async (request, _reply, payload) => {
      if (request.method !== "GET") app.ingress.lookups.clear();
      return payload;
    });
    for (const routes of [
      projectRoutes,
      triggerRoutes,
      runRoutes,
      runEventStreamRoutes,
      runMessageRoutes,
      deliveryRoutes,
      auditEventRoutes,
      mergeRequestRoutes,
      repositoryRoutes,
    ]) {
      server.register(routes(app));
    }
  };
}
