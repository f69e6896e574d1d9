import { Refusal } from "../../ingress/refusal.ts";
import type { Trigger } from "../../triggers/trigger.ts";
import {
  describeFieldErrors,
  fieldErrors,
} from "../../validation/field-errors.ts";
import type { NormalizeResult, Source } from "../source.ts";
import { verifyStandardWebhook } from "../standard-webhooks.ts";
import { genericPayload } from "./payload.ts";

/** Any system that can POST the generic JSON body of DESIGN.md §4.1. */
export const genericSource: Source = {
  name: "generic",
  secretFormat: "standard-webhooks",
  secretHeaders: ["webhook-signature"],
  verifySignature: verifyStandardWebhook,
  deliveryId: (delivery) => delivery.headers["webhook-id"],

  normalize(body: unknown, trigger: Trigger): NormalizeResult {
    const parsed = genericPayload.safeParse(body);
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error);
      throw new Refusal(
        400,
        `400 Bad request - ${describeFieldErrors(errors)}`,
        "schema",
        { errors },
      );
    }
    const payload = parsed.data;
    const context = payload.context ?? {};

    const labels = context.labels;
    if (
      trigger.label &&
      Array.isArray(labels) &&
      !labels.includes(trigger.label)
    ) {
      return {
        kind: "ignored",
        reason: `the ticket's labels do not include "${trigger.label}"`,
      };
    }

    return {
      kind: "ticket",
      ticket: {
        workflowType: payload.workflow_type,
        title: payload.title,
        description: payload.description ?? "",
        externalReference: payload.external_reference,
        externalUrl: payload.external_url,
        externalSystem: payload.external_system ?? "generic",
        context,
      },
    };
  },
};
