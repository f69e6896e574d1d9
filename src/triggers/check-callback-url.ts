import net from "node:net";
import {
  isAllowedHost,
  isPrivateAddress,
  type OutboundPolicy,
} from "../outbound/outbound-policy.ts";
import { TriggerSettingsError } from "./trigger-settings-error.ts";

const FIELD = "sync.callback_url";
const HOW_TO_ALLOW =
  "name the host in FLOWGATE_OUTBOUND_ALLOW_HOSTS (or, for tests and " +
  "labs, set FLOWGATE_OUTBOUND_ALLOW_PRIVATE=true) to allow it";

/**
 * Refuses, when the trigger is saved, a callback URL that the outbound
 * policy would refuse at every send: plain http, or a loopback, private
 * or link-local address written in the URL. A name that resolves to
 * such an address is still refused when the callback is sent, where
 * the lookup the connection uses is checked. The URL is not echoed: a
 * webhook URL's path can be its secret.
 */
export function checkCallbackUrl(
  url: string | undefined,
  policy: OutboundPolicy,
): void {
  if (url === undefined) return;
  const parsed = new URL(url);
  if (policy.allowPrivate || isAllowedHost(policy, parsed)) return;
  if (parsed.protocol !== "https:") {
    throw new TriggerSettingsError(
      FIELD,
      `must be an https URL; ${HOW_TO_ALLOW} over plain http`,
    );
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const local = host === "localhost" || host.endsWith(".localhost");
  if (local || (net.isIP(host) !== 0 && isPrivateAddress(host))) {
    throw new TriggerSettingsError(
      FIELD,
      `must not point at a loopback, private or link-local address; ${HOW_TO_ALLOW}`,
    );
  }
}
