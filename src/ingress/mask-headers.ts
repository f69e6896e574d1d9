// Headers that carry a credential or a signature; their values never reach
// the database or the logs.
const SECRET_HEADERS = new Set([
  "authorization",
  "cookie",
  "private-token",
  "x-gitlab-token",
  "webhook-signature",
  "x-hub-signature",
  "x-hub-signature-256",
  "linear-signature",
  "x-slack-signature",
]);

const KEPT_LENGTH = 512;

/** The headers worth keeping with a delivery, secrets replaced. */
export function maskHeaders(
  headers: Record<string, string | undefined>,
): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    kept[name] = SECRET_HEADERS.has(name)
      ? "[masked]"
      : value.slice(0, KEPT_LENGTH);
  }
  return kept;
}
