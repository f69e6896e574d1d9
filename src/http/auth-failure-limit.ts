import type { FastifyReply, FastifyRequest } from "fastify";
import type { App } from "../app.ts";
import { Refusal } from "../ingress/refusal.ts";
import { HttpError } from "./http-error.ts";

/** Refuses (429, with Retry-After) an address that has used up its
 * failed authentications, as a trigger's would: a stream of guessed
 * tokens must not reach GitLab, which would block Flowgate's own
 * address. */
export async function limitAuthFailures(
  app: App,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  try {
    await app.ingress.authFailures.check(request.ip);
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    for (const [name, value] of Object.entries(error.extra.headers ?? {})) {
      reply.header(name, value);
    }
    throw new HttpError(error.status, error.message);
  }
}
