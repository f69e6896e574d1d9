import net from "node:net";
import {
  checkScheme,
  type Resolve,
  systemResolve,
} from "../outbound/address-guard.ts";
import { OutboundRefusedError } from "../outbound/outbound-errors.ts";
import {
  isAllowedHost,
  isPrivateAddress,
  type OutboundPolicy,
} from "../outbound/outbound-policy.ts";
import { ModelSettingsError } from "./model-errors.ts";

/**
 * Fails a run early, with a setting to change, when its model endpoint
 * is one the outbound policy refuses: plain http, or a host that is or
 * resolves to a loopback, private or link-local address, unless
 * FLOWGATE_OUTBOUND_ALLOW_PRIVATE is set or FLOWGATE_OUTBOUND_ALLOW_HOSTS
 * names the host (a local Ollama: `127.0.0.1:11434`). This check is for
 * the message only: the calls themselves go through the outbound fetch,
 * which checks every address again where the connection is made.
 */
export async function assertEndpointAllowed(
  baseUrl: string,
  policy: OutboundPolicy,
  resolve: Resolve = systemResolve,
): Promise<void> {
  const url = new URL(baseUrl);
  if (!policy.allowPrivate && !isAllowedHost(policy, url)) {
    await assertPublic(url, resolve);
  }
  try {
    checkScheme(policy, url, "POST");
  } catch (error) {
    if (error instanceof OutboundRefusedError) {
      throw new ModelSettingsError(`the model endpoint: ${error.message}`);
    }
    throw error;
  }
}

async function assertPublic(url: URL, resolve: Resolve): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = net.isIP(host)
    ? [host]
    : await resolve(host).then(
        (found) => found.map((entry) => entry.address),
        (error: unknown) => {
          throw new ModelSettingsError(
            `the model host ${host} cannot be resolved: ${String(error)}`,
          );
        },
      );
  const refused = addresses.find(isPrivateAddress);
  if (refused !== undefined) {
    throw new ModelSettingsError(
      `the model endpoint ${host} resolves to the private address ` +
        `${refused}; name it in FLOWGATE_OUTBOUND_ALLOW_HOSTS ` +
        `(${host}${url.port ? `:${url.port}` : ""}), or set ` +
        "FLOWGATE_OUTBOUND_ALLOW_PRIVATE=true, to allow it",
    );
  }
}
