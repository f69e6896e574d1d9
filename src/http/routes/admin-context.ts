import type { FastifyRequest } from "fastify";
import type { App } from "../../app.ts";
import { findProject, type Project } from "../../projects/project.ts";
import { notFound } from "../http-error.ts";
import { requestActor } from "../request-actor.ts";

/** Loads the project named by `:id` (numeric or URL-encoded path). */
export async function projectParam(
  app: App,
  request: FastifyRequest,
): Promise<Project> {
  const { id } = request.params as { id: string };
  const project = await findProject(app.store.db, id);
  if (!project) throw notFound("Project");
  return project;
}

/** A numeric path parameter, or a 404 for anything else. */
export function numericParam(
  request: FastifyRequest,
  name: string,
  what: string,
): number {
  const value = (request.params as Record<string, string>)[name];
  if (!value || !/^\d{1,12}$/.test(value)) throw notFound(what);
  return Number(value);
}

/** Who is making an admin change, and from where, for the audit log. */
export function changeContext(app: App, request: FastifyRequest) {
  return {
    db: app.store.db,
    secretBox: app.secretBox,
    actor: requestActor(request),
    ipAddress: request.ip,
    now: app.now(),
    outboundPolicy: {
      allowPrivate: app.config.outboundAllowPrivate,
      allowedHosts: app.config.outboundAllowHosts,
    },
  };
}
