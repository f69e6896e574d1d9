import type { FastifyReply, FastifyRequest } from "fastify";
import type { App } from "../../app.ts";
import type { TokenCheck } from "../admin-auth.ts";
import { HttpError } from "../http-error.ts";
import {
  CSRF_HEADER,
  CSRF_REFUSAL,
  csrfTokens,
  needsCsrfToken,
} from "./csrf-token.ts";
import { type DashboardSession, findSession } from "./dashboard-sessions.ts";
import { sessionIdOf } from "./session-cookie.ts";

/** Lets a request in by its dashboard cookie: false when it has none,
 * so the caller refuses it as it would any request without a token. */
export type SessionCheck = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<boolean>;

/**
 * The admin API's cookie path. An unknown or expired session is a 401;
 * a change (any method but GET and HEAD) without the session's CSRF
 * token a 403, since the browser sends the cookie along with a form
 * another site posts. An admin session passes; a GitLab session's token
 * goes through `gitlabToken` as if the header had carried it, so the
 * user's access level on the project still decides.
 */
export function cookieSessionCheck(
  app: App,
  gitlabToken?: TokenCheck,
): SessionCheck {
  const readSession = sessionReader(app);
  return async (request, reply) => {
    const current = await readSession(request);
    if (current === "none") return false;
    if (current === "unknown") throw new HttpError(401, "401 Unauthorized");
    if (needsCsrfToken(request.method) && !current.csrfValid) {
      throw new HttpError(403, CSRF_REFUSAL);
    }

    const { principal } = current.session;
    if (principal.kind === "admin") return true;
    if (!gitlabToken) throw new HttpError(401, "401 Unauthorized");
    await gitlabToken(request, reply, principal.token);
    return true;
  };
}

/** The session the request's cookie names, with its CSRF token and
 * whether the request carries that token. */
export function sessionReader(app: App) {
  const csrf = csrfTokens(app.secretBox);
  return async (
    request: FastifyRequest,
  ): Promise<
    | "none"
    | "unknown"
    | {
        id: string;
        session: DashboardSession;
        csrfToken: string;
        csrfValid: boolean;
      }
  > => {
    const id = sessionIdOf(request);
    if (id === undefined) return "none";
    const session = await findSession(
      app.store.db,
      id,
      (sealed) => app.secretBox.open(sealed),
      app.now(),
    );
    if (!session) return "unknown";
    return {
      id,
      session,
      csrfToken: csrf.tokenOf(id),
      csrfValid: csrf.matches(id, request.headers[CSRF_HEADER]),
    };
  };
}
