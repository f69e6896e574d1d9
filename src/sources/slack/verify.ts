import { Refusal, UNAUTHORIZED } from "../../ingress/refusal.ts";
import { verifyHexHmac } from "../hex-hmac.ts";
import type { InboundDelivery } from "../source.ts";

const TOLERANCE_SECONDS = 5 * 60;

/**
 * `X-Slack-Signature: v0=<hex HMAC(secret, "v0:" + timestamp + ":" +
 * raw body)>`, with `X-Slack-Request-Timestamp` within 5 minutes, which
 * keeps a captured request from being replayed later.
 */
export function verifySlack(
  delivery: InboundDelivery,
  secrets: readonly string[],
  now: Date,
): void {
  const signature = delivery.headers["x-slack-signature"];
  const timestamp = delivery.headers["x-slack-request-timestamp"];
  if (!signature || !timestamp) {
    throw new Refusal(401, UNAUTHORIZED, "signature missing");
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new Refusal(401, UNAUTHORIZED, "signature timestamp invalid");
  }
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) {
    throw new Refusal(
      401,
      "401 Unauthorized - X-Slack-Request-Timestamp is more than 5 minutes from now",
      "signature timestamp outside tolerance",
    );
  }
  const hex = /^v0=(.*)$/.exec(signature)?.[1] ?? "(no v0= prefix)";
  verifyHexHmac(hex, secrets, delivery.rawBody, `v0:${timestamp}:`);
}
