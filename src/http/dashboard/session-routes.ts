import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { App } from "../../app.ts";
import { limitAuthFailures } from "../auth-failure-limit.ts";
import { HttpError } from "../http-error.ts";
import { parseInput } from "../parse-body.ts";
import { sessionReader } from "./cookie-auth.ts";
import { CSRF_REFUSAL, csrfTokens } from "./csrf-token.ts";
import {
  endSession,
  type Principal,
  startSession,
} from "./dashboard-sessions.ts";
import { identifyToken } from "./identify-token.ts";
import { clearSessionCookie, setSessionCookie } from "./session-cookie.ts";

// Under the dashboard prefix: /-/dashboard/session.
const PATH = "/session";

const signIn = z.object({ token: z.string().min(1).max(1024) });

/**
 * Signing in to the dashboard and out (docs/api.md): the token is
 * exchanged for an HttpOnly cookie once, so the page's scripts never
 * hold it afterwards. Wrong tokens count against the address like any
 * failed authentication.
 */
export function sessionRoutes(app: App) {
  const csrf = csrfTokens(app.secretBox);
  const readSession = sessionReader(app);
  const { publicUrl } = app.config;
  const unauthorized = () => new HttpError(401, "401 Unauthorized");

  return async (server: FastifyInstance) => {
    server.post(PATH, async (request, reply) => {
      requireJson(request);
      await limitAuthFailures(app, request, reply);
      const { token } = parseInput(signIn, request.body);

      const principal = await identifyToken(app, token);
      if (!principal) {
        await app.ingress.authFailures.recordFailure(request.ip);
        throw unauthorized();
      }
      const session = await startSession(
        app.store.db,
        principal,
        (secret) => app.secretBox.seal(secret),
        app.now(),
      );
      setSessionCookie(reply, session.id, publicUrl);
      request.log.info(who(principal), "dashboard session started");
      return reply
        .code(201)
        .send(
          sessionBody(principal, csrf.tokenOf(session.id), session.expiresAt),
        );
    });

    server.get(PATH, async (request) => {
      const current = await readSession(request);
      if (typeof current === "string") throw unauthorized();
      const { principal, expiresAt } = current.session;
      return sessionBody(principal, current.csrfToken, expiresAt);
    });

    server.delete(PATH, async (request, reply) => {
      const current = await readSession(request);
      if (typeof current === "string") throw unauthorized();
      if (!current.csrfValid) throw new HttpError(403, CSRF_REFUSAL);
      await endSession(app.store.db, current.id);
      clearSessionCookie(reply, publicUrl);
      request.log.info(
        who(current.session.principal),
        "dashboard session ended",
      );
      return reply.code(204).send();
    });
  };
}

function requireJson(request: FastifyRequest): void {
  const type = request.headers["content-type"] ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpError(
      415,
      '415 Unsupported Media Type - send {"token": "…"} as application/json',
    );
  }
}

/** What the dashboard shows of who signed in; never the token. */
function sessionBody(
  principal: Principal,
  csrfToken: string,
  expiresAt: string,
) {
  return {
    user: { kind: principal.kind, name: principal.name },
    csrf_token: csrfToken,
    expires_at: expiresAt,
  };
}

function who(principal: Principal) {
  return { kind: principal.kind, name: principal.name };
}
