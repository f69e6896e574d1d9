import fastifyCookie from "@fastify/cookie";
import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { dashboardFiles } from "./dashboard-files.ts";
import { setDashboardHeaders } from "./dashboard-headers.ts";
import { sessionRoutes } from "./session-routes.ts";

export const DASHBOARD_PREFIX = "/-/dashboard";

/** The dashboard (issue 8): its sign-in sessions and its built files,
 * all under /-/dashboard/ with the page's security headers; `/` leads
 * there. */
export function dashboardRoutes(app: App, dashboardDir: string) {
  return async (server: FastifyInstance) => {
    server.get("/", (request, reply) => {
      // The router also hands this route the asterisk form (`GET *`),
      // which names no resource: that stays a 404.
      if (!request.url.startsWith("/")) return reply.callNotFound();
      return reply.redirect(`${DASHBOARD_PREFIX}/`, 302);
    });
    server.register(
      async (dashboard) => {
        dashboard.addHook("onRequest", async (_request, reply) => {
          setDashboardHeaders(reply);
        });
        await dashboard.register(fastifyCookie);
        dashboard.register(sessionRoutes(app));
        dashboard.register(dashboardFiles(dashboardDir));
      },
      { prefix: DASHBOARD_PREFIX },
    );
  };
}
