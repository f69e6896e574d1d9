import type { FastifyReply, FastifyRequest } from "fastify";
import { SESSION_LIFETIME_MS } from "./dashboard-sessions.ts";

export const SESSION_COOKIE = "flowgate_session";

/** The session id the request's cookie carries, if any. */
export function sessionIdOf(request: FastifyRequest): string | undefined {
  const value = request.cookies[SESSION_COOKIE];
  // Ids are 43 base64url characters; anything else is not worth a query.
  return value && /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : undefined;
}

/** HttpOnly so scripts cannot read it, SameSite=Strict so other sites'
 * pages do not send it; Secure behind an https public URL. */
function cookieOptions(publicUrl: string) {
  return {
    httpOnly: true,
    sameSite: "strict",
    path: "/",
    secure: publicUrl.startsWith("https:"),
  } as const;
}

export function setSessionCookie(
  reply: FastifyReply,
  id: string,
  publicUrl: string,
): void {
  reply.setCookie(SESSION_COOKIE, id, {
    ...cookieOptions(publicUrl),
    maxAge: SESSION_LIFETIME_MS / 1000,
  });
}

export function clearSessionCookie(
  reply: FastifyReply,
  publicUrl: string,
): void {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(publicUrl));
}
