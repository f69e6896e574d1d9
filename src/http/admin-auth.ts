import type { FastifyRequest } from "fastify";
import { hashToken, secretsEqual } from "../crypto/tokens.ts";
import { HttpError } from "./http-error.ts";

/**
 * Checks the instance-admin token from `Authorization: Bearer` or
 * `PRIVATE-TOKEN`. Both sides are hashed first, so the comparison has a
 * fixed length and takes constant time.
 */
export function adminGuard(adminToken: string) {
  const expected = Buffer.from(hashToken(adminToken), "hex");
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers["private-token"];
    const bearer = request.headers.authorization?.match(/^Bearer\s+(\S+)\s*$/i);
    const presented =
      (typeof header === "string" ? header : undefined) ?? bearer?.[1];
    if (
      !presented ||
      !secretsEqual(Buffer.from(hashToken(presented), "hex"), expected)
    ) {
      throw new HttpError(401, "401 Unauthorized");
    }
  };
}
