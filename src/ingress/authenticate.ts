import { hashToken } from "../crypto/tokens.ts";
import type { Project } from "../projects/project.ts";
import type { InboundDelivery, Source } from "../sources/source.ts";
import type { Trigger } from "../triggers/trigger.ts";
import type { IngressContext } from "./ingress-context.ts";
import { Refusal, UNAUTHORIZED } from "./refusal.ts";

/**
 * The token a sender presents: X-Gitlab-Token, a Bearer credential, or
 * the password of Basic credentials (any user name), for senders such as
 * ServiceNow's REST messages and Jira Data Center that only do Basic.
 */
export function presentedToken(
  headers: InboundDelivery["headers"],
): string | undefined {
  const token = headers["x-gitlab-token"];
  if (token) return token;
  const authorization = headers.authorization;
  const bearer = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  if (bearer) return bearer[1];
  const basic = authorization?.match(/^Basic\s+([A-Za-z0-9+/=]{1,4096})\s*$/i);
  if (!basic?.[1]) return undefined;
  const decoded = Buffer.from(basic[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const password = colon === -1 ? "" : decoded.slice(colon + 1);
  return password === "" ? undefined : password;
}

/**
 * Finds the trigger a delivery is for and proves the sender holds its
 * secret: the token, the signature, or both, as the trigger's `auth`
 * says. At the generic endpoint the token names the trigger, so it is
 * always needed; at a per-trigger URL the URL names it.
 */
export async function authenticate(
  context: IngressContext,
  project: Project,
  triggerId: number | undefined,
  source: (trigger: Trigger) => Source,
  delivery: InboundDelivery,
): Promise<Trigger> {
  const now = context.now();
  const token = presentedToken(delivery.headers);
  const tokenHash = token === undefined ? undefined : hashToken(token);

  let trigger: Trigger | undefined;
  if (triggerId === undefined) {
    if (!tokenHash) throw new Refusal(401, UNAUTHORIZED, "token missing");
    trigger = await context.lookups.triggerByTokenHash(project.id, tokenHash);
    if (!trigger) throw new Refusal(401, UNAUTHORIZED, "token unknown");
  } else {
    trigger = await context.lookups.trigger(project.id, triggerId);
    if (!trigger) throw new Refusal(404, "404 Not Found", "route");
    if (trigger.auth !== "signature") {
      // The URL named the trigger: keep its id with the refusal.
      const named = { triggerId: trigger.id };
      if (!tokenHash) {
        throw new Refusal(401, UNAUTHORIZED, "token missing", named);
      }
      const owner = await context.lookups.triggerByTokenHash(
        project.id,
        tokenHash,
      );
      if (owner?.id !== trigger.id) {
        throw new Refusal(401, UNAUTHORIZED, "token unknown", named);
      }
    }
  }

  if (trigger.auth !== "token") {
    const secrets = trigger.sealedSigningSecrets.map((sealed) =>
      context.secretBox.open(sealed),
    );
    try {
      source(trigger).verifySignature(delivery, secrets, now);
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      // The token or the URL named the trigger: the delivery log keeps it,
      // so that an admin can redeliver once the sender's secret is fixed.
      throw new Refusal(error.status, error.message, error.check, {
        ...error.extra,
        triggerId: trigger.id,
      });
    }
  }
  return trigger;
}
