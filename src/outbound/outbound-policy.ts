import net from "node:net";
import { embeddedIpv4 } from "./embedded-ipv4.ts";

/**
 * Where Flowgate may send requests to addresses it was given (callback
 * URLs, trackers' base URLs, model endpoints). By default only https to
 * public addresses; FLOWGATE_OUTBOUND_ALLOW_PRIVATE opens loopback and
 * private ranges (tests, labs) and FLOWGATE_OUTBOUND_ALLOW_HOSTS names
 * hosts that may be reached whatever they resolve to, over http too.
 */
export interface OutboundPolicy {
  allowPrivate: boolean;
  /** Lower-case host names or addresses, each optionally with `:port`. */
  allowedHosts: readonly string[];
}

/** True when the policy names this URL's host (with or without port). */
export function isAllowedHost(policy: OutboundPolicy, url: URL): boolean {
  const host = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return policy.allowedHosts.some(
    (entry) => entry === host || entry === `${host}:${port}`,
  );
}

const PRIVATE_V4 = new net.BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  PRIVATE_V4.addSubnet(network, prefix, "ipv4");
}
const PRIVATE_V6 = new net.BlockList();
PRIVATE_V6.addAddress("::", "ipv6");
PRIVATE_V6.addAddress("::1", "ipv6");
PRIVATE_V6.addSubnet("fc00::", 7, "ipv6");
PRIVATE_V6.addSubnet("fe80::", 10, "ipv6");
PRIVATE_V6.addSubnet("ff00::", 8, "ipv6");
// NAT64 for a local network (RFC 8215): the IPv4 behind it is local.
PRIVATE_V6.addSubnet("64:ff9b:1::", 48, "ipv6");

/** Loopback, private, link-local, unspecified, multicast or reserved;
 * an IPv6 address that carries an IPv4 one (NAT64, 6to4) by that. */
export function isPrivateAddress(address: string): boolean {
  if (net.isIPv4(address)) return PRIVATE_V4.check(address, "ipv4");
  // BlockList checks an IPv4-mapped address against the IPv4 ranges in
  // either spelling: the URL parser writes ::ffff:127.0.0.1 as
  // ::ffff:7f00:1, which a dotted-quad pattern would let through.
  if (PRIVATE_V4.check(address, "ipv6") || PRIVATE_V6.check(address, "ipv6")) {
    return true;
  }
  const carried = embeddedIpv4(address);
  return carried !== undefined && PRIVATE_V4.check(carried, "ipv4");
}
