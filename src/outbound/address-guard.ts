import dns from "node:dns";
import net from "node:net";
import { describe } from "./describe-url.ts";
import { OutboundRefusedError } from "./outbound-errors.ts";
import {
  isAllowedHost,
  isPrivateAddress,
  type OutboundPolicy,
} from "./outbound-policy.ts";

/** Resolves a host name to every address it has (injectable for tests). */
export type Resolve = (
  hostname: string,
) => Promise<{ address: string; family: number }[]>;

export const systemResolve: Resolve = (hostname) =>
  dns.promises.lookup(hostname, { all: true, verbatim: true });

/** The signature net.connect expects of its `lookup` option. */
export type Lookup = (
  hostname: string,
  options: dns.LookupOptions,
  callback: (
    error: NodeJS.ErrnoException | null,
    address: string | dns.LookupAddress[],
    family?: number,
  ) => void,
) => void;

const HOW_TO_ALLOW_PRIVATE =
  "set FLOWGATE_OUTBOUND_ALLOW_PRIVATE=true, or name the host in " +
  "FLOWGATE_OUTBOUND_ALLOW_HOSTS, to allow it";

/** Checks every address a host name resolves to, at connection time. */
export class AddressGuard {
  constructor(
    private readonly policy: OutboundPolicy,
    private readonly resolve: Resolve,
  ) {}

  /** Literal addresses are not looked up, so they are checked here. */
  checkLiteral(url: URL, method: string): void {
    const host = bareHost(url);
    if (!net.isIP(host)) return;
    if (this.policy.allowPrivate || isAllowedHost(this.policy, url)) return;
    if (isPrivateAddress(host)) {
      throw new OutboundRefusedError(
        `${method} ${describe(url)} refused: ${host} is a private ` +
          `address; ${HOW_TO_ALLOW_PRIVATE}`,
      );
    }
  }

  /**
   * For a program that connects by itself (git): the policy's answer
   * for the URL's host as it resolves now. The program looks the name up
   * again, so this narrows what a configured address can reach but is
   * not the connection-time check `lookup` gives Flowgate's own calls.
   */
  async checkResolved(url: URL, method: string): Promise<void> {
    this.checkLiteral(url, method);
    const host = bareHost(url);
    if (net.isIP(host)) return;
    if (this.policy.allowPrivate || isAllowedHost(this.policy, url)) return;
    const addresses = await this.resolve(host);
    const refused = addresses.find((entry) => isPrivateAddress(entry.address));
    if (refused) {
      throw new OutboundRefusedError(
        `${method} ${describe(url)} refused: ${host} resolves to the ` +
          `private address ${refused.address}; ${HOW_TO_ALLOW_PRIVATE}`,
      );
    }
  }

  /** Unless `allowPrivate`, the lookup fails when any address of the
   * name is private. */
  lookup(allowPrivate: boolean): Lookup {
    return (hostname, options, callback) => {
      this.resolve(hostname).then(
        (addresses) => {
          const refused = allowPrivate
            ? undefined
            : addresses.find((entry) => isPrivateAddress(entry.address));
          if (refused) {
            // sendOnce finds this refusal and names the request in it.
            const error = new OutboundRefusedError(
              `${hostname} resolves to the private address ` +
                `${refused.address}; ${HOW_TO_ALLOW_PRIVATE}`,
            );
            callback(error, "", 0);
            return;
          }
          const wanted =
            options.family === 4 || options.family === 6
              ? addresses.filter((entry) => entry.family === options.family)
              : addresses;
          if (options.all) {
            callback(null, wanted);
            return;
          }
          const [first] = wanted;
          if (!first) {
            callback(notFound(hostname), "", 0);
            return;
          }
          callback(null, first.address, first.family);
        },
        (error: NodeJS.ErrnoException) => callback(error, "", 0),
      );
    };
  }
}

export function checkScheme(
  policy: OutboundPolicy,
  url: URL,
  method: string,
): void {
  if (url.protocol === "https:") return;
  if (
    url.protocol === "http:" &&
    (policy.allowPrivate || isAllowedHost(policy, url))
  ) {
    return;
  }
  throw new OutboundRefusedError(
    `${method} ${describe(url)} refused: only https is allowed; name the ` +
      "host in FLOWGATE_OUTBOUND_ALLOW_HOSTS (or, for tests and labs, set " +
      "FLOWGATE_OUTBOUND_ALLOW_PRIVATE=true) to allow plain http to it",
  );
}

function bareHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "");
}

function notFound(hostname: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${hostname} has no address`);
  error.code = "ENOTFOUND";
  return error;
}

/** undici wraps the lookup's error; find our refusal inside. */
export function refusalIn(error: unknown): OutboundRefusedError | undefined {
  for (let cause = error, depth = 0; cause && depth < 5; depth += 1) {
    if (cause instanceof OutboundRefusedError) return cause;
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}
