import { sourceNamed } from "../sources/registry.ts";
import { TriggerSettingsError } from "./trigger-settings-error.ts";

const STANDARD_WEBHOOKS_SECRET = /^whsec_[A-Za-z0-9+/]{32,}={0,2}$/;

/**
 * A Standard Webhooks secret is `whsec_` and base64, whose bytes are the
 * key; every other provider keys its HMAC with the secret's text as is.
 */
export function checkSigningSecret(sourceName: string, secret: string): void {
  const source = sourceNamed(sourceName);
  if (
    source?.secretFormat === "standard-webhooks" &&
    !STANDARD_WEBHOOKS_SECRET.test(secret)
  ) {
    throw new TriggerSettingsError(
      "signing_secret",
      `must be whsec_ followed by base64 for a ${sourceName} trigger`,
    );
  }
}
