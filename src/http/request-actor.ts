import type { FastifyRequest } from "fastify";
import { type Actor, ADMIN_ACTOR } from "../audit/audit-event.ts";

// Kept beside the request rather than on it: fastify's request type
// stays as it is, and the entry goes when the request does.
const actors = new WeakMap<FastifyRequest, Actor>();

/** Names who the admin guard let in, when it was not the instance admin. */
export function setRequestActor(request: FastifyRequest, actor: Actor): void {
  actors.set(request, actor);
}

/** Who is making an admin request: a GitLab user, else the admin. */
export function requestActor(request: FastifyRequest): Actor {
  return actors.get(request) ?? ADMIN_ACTOR;
}
