import { lookup } from "node:dns/promises";
import net from "node:net";
import { isPrivateAddress } from "../outbound/outbound-policy.ts";
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
