import type { SecretBox } from "../crypto/secret-box.ts";
import type { OutboundPolicy } from "../outbound/outbound-policy.ts";
import type { Db } from "../store/database.ts";
import type { Actor } from "./audit-event.ts";

/** Who makes a change, from where and when: what its audit event says. */
export interface ChangeContext {
  db: Db;
  actor: Actor;
  ipAddress: string | null;
  now: Date;
}

/** A change that also seals or opens stored secrets. */
export interface SecretChangeContext extends ChangeContext {
  secretBox: SecretBox;
  /** Where outbound calls may go: addresses a change saves (a trigger's
   * callback URL) are checked against it. */
  outboundPolicy?: OutboundPolicy;
}
