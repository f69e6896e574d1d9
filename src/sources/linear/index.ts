import type { Trigger } from "../../triggers/trigger.ts";
import { applyRules } from "../apply-rules.ts";
import { parsePayload } from "../parse-payload.ts";
import type { NormalizeResult, Source } from "../source.ts";
import { linearEnvelope } from "./payload.ts";
import { readLinearEvent } from "./read-event.ts";
import { linearReporter } from "./report.ts";
import { verifyLinear } from "./verify.ts";

/** Linear data-change webhooks for Issues and Comments. */
export const linearSource: Source = {
  name: "linear",
  secretFormat: "text",
  secretHeaders: ["linear-signature"],
  verifySignature: verifyLinear,
  deliveryId: (delivery) => delivery.headers["linear-delivery"],

  normalize(body: unknown, trigger: Trigger): NormalizeResult {
    const event = readLinearEvent(parsePayload(linearEnvelope, body));
    if ("kind" in event) return event;
    return applyRules(event, trigger, "linear");
  },

  reporter: linearReporter,
};
