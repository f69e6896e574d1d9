import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A new trigger token: what the sender puts in X-Gitlab-Token. */
export function newTriggerToken(): string {
  return `fgt_${randomBytes(24).toString("base64url")}`;
}

/** A new Standard Webhooks secret: `whsec_` and base64 of 32 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/**
 * Tokens are stored as their SHA-256: they are long and random, so a plain
 * hash is enough, and a lookup by hash needs no comparison of secrets.
 */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Compares two secrets in constant time (their lengths first). */
export function secretsEqual(a: string | Buffer, b: string | Buffer): boolean {
  const left = typeof a === "string" ? Buffer.from(a, "utf8") : a;
  const right = typeof b === "string" ? Buffer.from(b, "utf8") : b;
  return left.length === right.length && timingSafeEqual(left, right);
}
