import { SOURCE_SECRET_HEADERS } from "../sources/registry.ts";

// Headers that carry a credential or a signature; their values never reach
// the database or the logs. The core's own token headers are listed here;
// each source declares its signature headers.
const CREDENTIAL_HEADERS = new Set([
  "authorization",
  "cookie",
  "private-token",
  "x-gitlab-token",
]);

const KEPT_LENGTH = 512;

/** The headers worth keeping with a delivery, secrets replaced. */
export function maskHeaders(
  headers: Record<string, string | undefined>,
): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const secret =
      CREDENTIAL_HEADERS.has(name) || SOURCE_SECRET_HEADERS.has(name);
    kept[name] = secret ? "[masked]" : value.slice(0, KEPT_LENGTH);
  }
  return kept;
}
