import { lookup } from "node:dns/promises";
import net from "node:net";
import { ModelSettingsError } from "./model-errors.ts";

/**
 * Refuses a model endpoint on a loopback, private, link-local or
 * unspecified address unless FLOWGATE_OUTBOUND_ALLOW_PRIVATE is set
 * (DESIGN.md §2), so that a trigger's base URL cannot make Flowgate call
 * into its own network.
 */
export async function assertEndpointAllowed(
  baseUrl: string,
  allowPrivate: boolean,
): Promise<void> {
  if (allowPrivate) return;
  const host = new URL(baseUrl).hostname.replace(/^\[|\]$/g, "");
  const addresses = net.isIP(host)
    ? [host]
    : await lookup(host, { all: true, verbatim: true }).then(
        (found) => found.map((entry) => entry.address),
        (error: unknown) => {
          throw new ModelSettingsError(
            `the model host ${host} cannot be resolved: ${String(error)}`,
          );
        },
      );
  // TODO: the address is checked here and resolved again by the HTTP
  // client; pinning the checked address would close the DNS-rebinding gap.
  const refused = addresses.find(isPrivateAddress);
  if (refused !== undefined) {
    throw new ModelSettingsError(
      `the model endpoint ${host} resolves to the private address ` +
        `${refused}; set FLOWGATE_OUTBOUND_ALLOW_PRIVATE=true to allow it`,
    );
  }
}

const PRIVATE_V4 = new net.BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
] as const) {
  PRIVATE_V4.addSubnet(network, prefix, "ipv4");
}
const PRIVATE_V6 = new net.BlockList();
PRIVATE_V6.addAddress("::", "ipv6");
PRIVATE_V6.addAddress("::1", "ipv6");
PRIVATE_V6.addSubnet("fc00::", 7, "ipv6");
PRIVATE_V6.addSubnet("fe80::", 10, "ipv6");

export function isPrivateAddress(address: string): boolean {
  if (net.isIPv4(address)) return PRIVATE_V4.check(address, "ipv4");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return PRIVATE_V4.check(mapped, "ipv4");
  return PRIVATE_V6.check(address, "ipv6");
}
