/** The URL for messages: no credentials, no query (tokens hide there). */
export function describe(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
