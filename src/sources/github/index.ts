import type { Trigger } from "../../triggers/trigger.ts";
import { applyRules } from "../apply-rules.ts";
import { afterSha256Prefix, verifyHexHmac } from "../hex-hmac.ts";
import { parsePayload } from "../parse-payload.ts";
import type { InboundDelivery, NormalizeResult, Source } from "../source.ts";
import { githubPayload } from "./payload.ts";
import { readGithubEvent } from "./read-event.ts";
import { githubReporter } from "./report.ts";

/** GitHub Issues: repository or organization webhooks with a secret. */
export const githubSource: Source = {
  name: "github",
  secretFormat: "text",
  secretHeaders: ["x-hub-signature-256"],

  verifySignature(delivery, secrets) {
    verifyHexHmac(
      afterSha256Prefix(delivery.headers["x-hub-signature-256"]),
      secrets,
      delivery.rawBody,
    );
  },

  // The same id on a redelivery from GitHub's settings page.
  deliveryId: (delivery) => delivery.headers["x-github-delivery"],

  normalize(
    body: unknown,
    trigger: Trigger,
    delivery: InboundDelivery,
  ): NormalizeResult {
    const eventName = delivery.headers["x-github-event"];
    if (eventName === "ping") {
      return { kind: "ignored", reason: "ping: the webhook is set up" };
    }
    if (eventName !== "issues" && eventName !== "issue_comment") {
      return {
        kind: "ignored",
        reason: `GitHub ${eventName ?? "(no X-GitHub-Event)"} events start nothing`,
      };
    }
    const event = readGithubEvent(eventName, parsePayload(githubPayload, body));
    if ("kind" in event) return event;
    return applyRules(event, trigger, "github");
  },

  reporter: githubReporter,
};
