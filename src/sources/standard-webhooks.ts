import { createHmac } from "node:crypto";
import { secretsEqual } from "../crypto/tokens.ts";
import { Refusal, UNAUTHORIZED } from "../ingress/refusal.ts";
import type { InboundDelivery } from "./source.ts";

const TOLERANCE_SECONDS = 5 * 60;
const SECRET_PREFIX = "whsec_";

/**
 * Verifies a Standard Webhooks signature: HMAC-SHA256 over
 * `{webhook-id}.{webhook-timestamp}.{raw body}` with the secret's bytes,
 * sent as one or more space-separated `v1,<base64>` entries. Uses
 * node:crypto rather than the `standardwebhooks` package, whose pure
 * JavaScript hash is about three times slower on this hot path.
 */
export function verifyStandardWebhook(
  delivery: InboundDelivery,
  secrets: readonly string[],
  now: Date,
): void {
  const id = delivery.headers["webhook-id"];
  const timestamp = delivery.headers["webhook-timestamp"];
  const signatures = delivery.headers["webhook-signature"];
  if (!id || !timestamp || !signatures) {
    throw new Refusal(401, UNAUTHORIZED, "signature missing");
  }

  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new Refusal(401, UNAUTHORIZED, "signature timestamp invalid");
  }
  const skew = Math.abs(now.getTime() / 1000 - Number(timestamp));
  if (skew > TOLERANCE_SECONDS) {
    throw new Refusal(
      401,
      "401 Unauthorized - webhook-timestamp is more than 5 minutes from now",
      "signature timestamp outside tolerance",
    );
  }

  const offered = signatures
    .split(" ")
    .filter((entry) => entry.startsWith("v1,"))
    .map((entry) => Buffer.from(entry.slice(3), "base64"));

  for (const secret of secrets) {
    const expected = sign(secret, id, timestamp, delivery.rawBody);
    if (offered.some((candidate) => secretsEqual(candidate, expected))) return;
  }
  throw new Refusal(401, UNAUTHORIZED, "signature mismatch");
}

function sign(
  secret: string,
  id: string,
  timestamp: string,
  body: Buffer,
): Buffer {
  const key = Buffer.from(
    secret.startsWith(SECRET_PREFIX)
      ? secret.slice(SECRET_PREFIX.length)
      : secret,
    "base64",
  );
  return createHmac("sha256", key)
    .update(`${id}.${timestamp}.`)
    .update(body)
    .digest();
}

export function hasStandardWebhookHeaders(delivery: InboundDelivery): boolean {
  return Boolean(
    delivery.headers["webhook-signature"] ||
      delivery.headers["webhook-id"] ||
      delivery.headers["webhook-timestamp"],
  );
}
