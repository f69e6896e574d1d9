const CENSOR = "[redacted]";
// Shorter values would censor ordinary words.
const MIN_SECRET_LENGTH = 8;

/**
 * Replaces every known secret value in a JSON-able value's strings. The
 * secrets are values, not field names: a model key could turn up in an
 * error message or a command's output as well as in a setting.
 */
export function redactor(secrets: readonly string[]) {
  const values = [...new Set(secrets)]
    .filter((secret) => secret.length >= MIN_SECRET_LENGTH)
    // Longest first, so that a secret containing another goes whole.
    .sort((a, b) => b.length - a.length);

  const redactText = (text: string) =>
    values.reduce((result, secret) => result.replaceAll(secret, CENSOR), text);

  const redact = (value: unknown): unknown => {
    if (typeof value === "string") return redactText(value);
    if (Array.isArray(value)) return value.map(redact);
    if (value && typeof value === "object") {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, redact(item)]),
      );
    }
    return value;
  };
  return { redact, redactText };
}
