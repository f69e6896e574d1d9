import { secretsEqual } from "../../crypto/tokens.ts";
import { Refusal, UNAUTHORIZED } from "../../ingress/refusal.ts";
import type { InboundDelivery } from "../../sources/source.ts";
import {
  hasStandardWebhookHeaders,
  verifyStandardWebhook,
} from "../../sources/standard-webhooks.ts";

/**
 * Authenticates a delivery of a project's GitLab webhook by its secret:
 * sent as `X-Gitlab-Token` (GitLab's "Secret token"), or as the key of
 * a Standard Webhooks signature over the raw body. Whatever is presented
 * must be right: a wrong token is refused even beside a good signature.
 * Answers how the delivery proved itself.
 */
export function verifyGitLabHook(
  delivery: InboundDelivery,
  webhookSecret: string,
  now: Date,
): "token" | "signature" {
  const token = delivery.headers["x-gitlab-token"];
  const signed = hasStandardWebhookHeaders(delivery);
  if (token === undefined && !signed) {
    throw new Refusal(401, UNAUTHORIZED, "token missing");
  }
  if (token !== undefined && !secretsEqual(token, webhookSecret)) {
    throw new Refusal(401, UNAUTHORIZED, "token mismatch");
  }
  if (signed) verifyStandardWebhook(delivery, [webhookSecret], now);
  return signed ? "signature" : "token";
}
