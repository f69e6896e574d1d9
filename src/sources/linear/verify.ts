import { Refusal } from "../../ingress/refusal.ts";
import { verifyHexHmac } from "../hex-hmac.ts";
import type { InboundDelivery } from "../source.ts";

const TOLERANCE_MS = 60 * 1000;

/**
 * `Linear-Signature` is the hex HMAC of the raw body. Freshness lives in
 * the body (`webhookTimestamp`, milliseconds), covered by that HMAC, so
 * the body is parsed only after the HMAC has passed.
 */
export function verifyLinear(
  delivery: InboundDelivery,
  secrets: readonly string[],
  now: Date,
): void {
  verifyHexHmac(
    delivery.headers["linear-signature"],
    secrets,
    delivery.rawBody,
  );

  let stamp: unknown;
  try {
    const body: unknown = JSON.parse(delivery.rawBody.toString("utf8"));
    stamp =
      typeof body === "object" && body !== null
        ? (body as Record<string, unknown>).webhookTimestamp
        : undefined;
  } catch {
    stamp = undefined;
  }
  if (typeof stamp !== "number" || !Number.isFinite(stamp)) {
    throw new Refusal(
      401,
      "401 Unauthorized - webhookTimestamp is missing from the signed body",
      "signature timestamp invalid",
    );
  }
  if (Math.abs(now.getTime() - stamp) > TOLERANCE_MS) {
    throw new Refusal(
      401,
      "401 Unauthorized - webhookTimestamp is more than 60 seconds from now",
      "signature timestamp outside tolerance",
    );
  }
}
