import { createHmac } from "node:crypto";
import type { SecretBox } from "../../crypto/secret-box.ts";
import { secretsEqual } from "../../crypto/tokens.ts";

/** The header a cookie-authenticated change must carry. */
export const CSRF_HEADER = "x-csrf-token";

export const CSRF_REFUSAL =
  "403 Forbidden - missing or invalid CSRF token; reload the dashboard";

/**
 * A session's CSRF token: an HMAC of the session id under a key of its
 * own derived from the instance key. Nothing is stored, a page from
 * another site cannot compute it, and it dies with the session.
 */
export function csrfTokens(secretBox: SecretBox) {
  const key = secretBox.deriveKey("flowgate dashboard csrf token");
  const tokenOf = (sessionId: string) =>
    createHmac("sha256", key).update(sessionId, "utf8").digest("base64url");

  return {
    tokenOf,
    /** True when `presented` is the session's token (constant time). */
    matches(sessionId: string, presented: unknown): boolean {
      if (typeof presented !== "string") return false;
      return secretsEqual(presented, tokenOf(sessionId));
    },
  };
}

export type CsrfTokens = ReturnType<typeof csrfTokens>;

/** Only these methods may change nothing, so only they go without. */
export function needsCsrfToken(method: string): boolean {
  return method !== "GET" && method !== "HEAD";
}
