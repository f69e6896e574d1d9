import { createHash } from "node:crypto";
import type { Trigger } from "../../triggers/trigger.ts";
import { applyRules } from "../apply-rules.ts";
import { genericSource } from "../generic/index.ts";
import { parsePayload } from "../parse-payload.ts";
import type { InboundDelivery, NormalizeResult, Source } from "../source.ts";
import { verifyStandardWebhook } from "../standard-webhooks.ts";
import { servicenowPayload } from "./payload.ts";
import { readServicenowEvent } from "./read-event.ts";
import { servicenowReporter } from "./report.ts";

// Enough of the SHA-256 to tell two changes of one record apart.
const BODY_DIGEST_CHARS = 32;

/**
 * ServiceNow business rules with an outbound REST message. ServiceNow
 * cannot compute an HMAC natively, so a new trigger is token-only (the
 * token as Bearer, or as the Basic password); a script that can sign may
 * add a Standard Webhooks signature with `auth: token+signature`.
 */
export const servicenowSource: Source = {
  name: "servicenow",
  secretFormat: "standard-webhooks",
  defaultAuth: "token",
  secretHeaders: ["webhook-signature"],
  verifySignature: verifyStandardWebhook,

  deliveryId(delivery: InboundDelivery, body: unknown) {
    const id = delivery.headers["webhook-id"];
    if (id) return id;
    // No delivery id of its own: the record and its update time name one
    // change, which a resent message repeats. sys_updated_on counts whole
    // seconds, so two comments in one second share it: the body's hash
    // tells them apart.
    if (typeof body !== "object" || body === null) return undefined;
    const { sys_id: sysId, sys_updated_on: updatedOn } = body as Record<
      string,
      unknown
    >;
    if (typeof sysId !== "string" || typeof updatedOn !== "string") {
      return undefined;
    }
    const digest = createHash("sha256")
      .update(delivery.rawBody)
      .digest("hex")
      .slice(0, BODY_DIGEST_CHARS);
    return `${sysId.slice(0, 64)}@${updatedOn.slice(0, 64)}#${digest}`;
  },

  normalize(body: unknown, trigger: Trigger, delivery): NormalizeResult {
    if (isGenericShape(body)) {
      const result = genericSource.normalize(body, trigger, delivery);
      const named = "external_system" in (body as object);
      if (result.kind === "ticket" && !named) {
        result.ticket.externalSystem = "servicenow";
      }
      return result;
    }
    const payload = parsePayload(servicenowPayload, body);
    return applyRules(readServicenowEvent(payload), trigger, "servicenow");
  },

  reporter: servicenowReporter,
};

/** A script may send DESIGN.md's generic body instead. */
function isGenericShape(body: unknown): boolean {
  return (
    typeof body === "object" &&
    body !== null &&
    "external_reference" in body &&
    !("sys_id" in body)
  );
}
