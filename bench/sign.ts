import { createHmac, timingSafeEqual } from "node:crypto";

const SECRET_PREFIX = "whsec_";

/** The key bytes of a Standard Webhooks secret (`whsec_<base64>`). */
export function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX)
    ? secret.slice(SECRET_PREFIX.length)
    : secret;
  return Buffer.from(encoded, "base64");
}

/** HMAC-SHA256 over `{id}.{timestamp}.{body}`, as Standard Webhooks signs. */
export function signature(
  key: Buffer,
  id: string,
  timestamp: string,
  body: string | Buffer,
): Buffer {
  return createHmac("sha256", key)
    .update(`${id}.${timestamp}.`)
    .update(body)
    .digest();
}

/** The headers of one signed delivery, token included for Flowgate. */
export function signedHeaders(
  key: Buffer,
  token: string,
  id: string,
  body: string,
): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const mac = signature(key, id, timestamp, body).toString("base64");
  return {
    "content-type": "application/json",
    "x-gitlab-token": token,
    "webhook-id": id,
    "webhook-timestamp": timestamp,
    "webhook-signature": `v1,${mac}`,
  };
}

/** Lengths first, then a constant-time compare, for each offered entry. */
export function signatureMatches(
  key: Buffer,
  id: string,
  timestamp: string,
  body: Buffer,
  offered: string,
): boolean {
  const expected = signature(key, id, timestamp, body);
  for (const entry of offered.split(" ")) {
    if (!entry.startsWith("v1,")) continue;
    const candidate = Buffer.from(entry.slice(3), "base64");
    if (
      candidate.length === expected.length &&
      timingSafeEqual(candidate, expected)
    ) {
      return true;
    }
  }
  return false;
}
