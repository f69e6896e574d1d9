import type { Trigger } from "../../triggers/trigger.ts";
import { applyRules } from "../apply-rules.ts";
import { afterSha256Prefix, verifyHexHmac } from "../hex-hmac.ts";
import { parsePayload } from "../parse-payload.ts";
import type { InboundDelivery, NormalizeResult, Source } from "../source.ts";
import { JIRA_CLOUD } from "./jira-flavour.ts";
import { jiraPayload } from "./payload.ts";
import { readJiraEvent } from "./read-event.ts";
import { jiraReporter } from "./report.ts";

/**
 * The parts Jira Cloud and Data Center share: `X-Hub-Signature:
 * sha256=<hex>` over the raw body, and the same payload shapes.
 */
export function jiraFamilySource(name: "jira" | "jira_dc"): Source {
  return {
    name,
    secretFormat: "text",
    secretHeaders: ["x-hub-signature"],

    verifySignature(delivery, secrets) {
      verifyHexHmac(
        afterSha256Prefix(delivery.headers["x-hub-signature"]),
        secrets,
        delivery.rawBody,
      );
    },

    deliveryId(delivery: InboundDelivery, body: unknown) {
      // One comment arrives as two events (comment_created and an
      // issue_commented update): its id makes them one delivery.
      const comment = commentId(body);
      if (comment) return `comment:${comment}`;
      // Cloud keeps this id across retries; Data Center may not send it,
      // and then the body's hash deduplicates.
      return delivery.headers["x-atlassian-webhook-identifier"];
    },

    normalize(body: unknown, trigger: Trigger): NormalizeResult {
      const event = readJiraEvent(parsePayload(jiraPayload, body), trigger);
      if ("kind" in event) return event;
      return applyRules(event, trigger, name);
    },
  };
}

export const jiraSource: Source = {
  ...jiraFamilySource("jira"),
  reporter: jiraReporter(JIRA_CLOUD),
};

function commentId(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const {
    webhookEvent,
    issue_event_type_name: refined,
    comment,
  } = body as Record<string, unknown>;
  const isNew =
    webhookEvent === "comment_created" ||
    (webhookEvent === "jira:issue_updated" && refined === "issue_commented");
  if (!isNew || typeof comment !== "object" || comment === null) {
    return undefined;
  }
  const id = (comment as Record<string, unknown>).id;
  return (typeof id === "string" && /^\d{1,32}$/.test(id)) ||
    (typeof id === "number" && Number.isSafeInteger(id))
    ? String(id)
    : undefined;
}
