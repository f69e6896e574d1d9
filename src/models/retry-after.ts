const SECOND_MS = 1000;

/**
 * The wait a server asked for: `retry-after-ms`, or `Retry-After` in
 * seconds or as an HTTP date. Undefined when it said nothing usable.
 */
export function retryAfterMs(
  headers: Record<string, string> | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const lower = Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );

  const milliseconds = Number(lower["retry-after-ms"]);
  if (lower["retry-after-ms"] && Number.isFinite(milliseconds)) {
    return Math.max(0, milliseconds);
  }

  const value = lower["retry-after"]?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * SECOND_MS;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
