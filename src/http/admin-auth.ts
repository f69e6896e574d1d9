import type { FastifyReply, FastifyRequest } from "fastify";
import { hashToken, secretsEqual } from "../crypto/tokens.ts";
import type { SessionCheck } from "./dashboard/cookie-auth.ts";
import { HttpError } from "./http-error.ts";

/** Decides on a token that is not the instance admin's: returns to let
 * the request in, throws an HttpError to refuse it. */
export type TokenCheck = (
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
) => Promise<void>;

/**
 * Checks the instance-admin token from `Authorization: Bearer` or
 * `PRIVATE-TOKEN`. Both sides are hashed first, so the comparison has a
 * fixed length and takes constant time. Any other token goes to
 * `otherToken` when given (GitLab's, gitlab-access.ts). A request with
 * neither header may come from the dashboard: `cookieSession` decides
 * on its session cookie (dashboard/cookie-auth.ts).
 */
export function adminGuard(
  adminToken: string,
  otherToken?: TokenCheck,
  cookieSession?: SessionCheck,
) {
  const expected = Buffer.from(hashToken(adminToken), "hex");
  return async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> => {
    const header = request.headers["private-token"];
    const bearer = request.headers.authorization?.match(/^Bearer\s+(\S+)\s*$/i);
    const presented =
      (typeof header === "string" ? header : undefined) ?? bearer?.[1];
    if (
      presented &&
      secretsEqual(Buffer.from(hashToken(presented), "hex"), expected)
    ) {
      return;
    }
    if (presented && otherToken) return otherToken(request, reply, presented);
    if (!presented && (await cookieSession?.(request, reply))) return;
    throw new HttpError(401, "401 Unauthorized");
  };
}
