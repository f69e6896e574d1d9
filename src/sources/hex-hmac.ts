import { createHmac } from "node:crypto";
import { secretsEqual } from "../crypto/tokens.ts";
import { Refusal, UNAUTHORIZED } from "../ingress/refusal.ts";

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/**
 * Checks a hex HMAC-SHA256 that a provider sent against each secret. The
 * signed content is `prefix` (Slack's `v0:<timestamp>:`) and the raw body
 * bytes; the secret's text is the key. The offered value is decoded and
 * its length checked before a constant-time compare.
 */
export function verifyHexHmac(
  offeredHex: string | undefined,
  secrets: readonly string[],
  body: Buffer,
  prefix = "",
): void {
  if (!offeredHex) throw new Refusal(401, UNAUTHORIZED, "signature missing");
  if (!SHA256_HEX.test(offeredHex)) {
    throw new Refusal(401, UNAUTHORIZED, "signature malformed");
  }
  const offered = Buffer.from(offeredHex, "hex");
  for (const secret of secrets) {
    const expected = createHmac("sha256", secret)
      .update(prefix)
      .update(body)
      .digest();
    if (secretsEqual(offered, expected)) return;
  }
  throw new Refusal(401, UNAUTHORIZED, "signature mismatch");
}

/** The hex after a `sha256=` prefix (GitHub's and Jira's headers); a
 * value without the prefix comes back as one no hex check passes. */
export function afterSha256Prefix(
  header: string | undefined,
): string | undefined {
  if (header === undefined) return undefined;
  const match = /^sha256=(.*)$/i.exec(header.trim());
  return match ? (match[1] ?? "") : "(no sha256= prefix)";
}
