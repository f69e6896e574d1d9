/** URLs that look like URLs but that no parser takes, or that are not
 * http(s): a port over 65535, an unclosed IPv6 host, no host, a space
 * in the host, another scheme. */
export function badUrls(host: string, path: string): string[] {
  return [
    `https://${host}:99999${path}`,
    `https://${host}:-1${path}`,
    `http://[::1${path}`,
    "https://",
    `https://${host.replace(".", " .")}${path}`,
    `javascript://${host}${path}`,
    `ftp://${host}${path}`,
  ];
}
