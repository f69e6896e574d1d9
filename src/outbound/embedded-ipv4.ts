import net from "node:net";

/**
 * The IPv4 address an IPv6 address carries, for the ranges that route
 * to it: NAT64's well-known prefix 64:ff9b::/96 (RFC 6052), 6to4's
 * 2002::/16 (RFC 3056) and the deprecated IPv4-compatible ::/96. A
 * gateway translating these would take Flowgate to the IPv4 address, so
 * the guard judges them by it. Undefined for any other address.
 */
export function embeddedIpv4(address: string): string | undefined {
  const bytes = ipv6Bytes(address);
  if (!bytes) return undefined;
  const at = (start: number) => bytes.slice(start, start + 4).join(".");

  const nat64 = [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];
  if (nat64.every((byte, index) => bytes[index] === byte)) return at(12);
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return at(2);
  if (bytes.slice(0, 12).every((byte) => byte === 0)) return at(12);
  return undefined;
}

/** The sixteen bytes of an IPv6 address in any spelling (`::`, a
 * trailing dotted quad, a zone id); undefined when it is not one. */
function ipv6Bytes(address: string): number[] | undefined {
  const bare = address.replace(/%.*$/, "");
  if (!net.isIPv6(bare)) return undefined;

  let text = bare;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (quad) {
    const [a, b, c, d] = quad.split(".").map(Number) as number[];
    const high = (((a ?? 0) << 8) | (b ?? 0)).toString(16);
    const low = (((c ?? 0) << 8) | (d ?? 0)).toString(16);
    text = `${text.slice(0, -quad.length)}${high}:${low}`;
  }
  const [head = "", tail] = text.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const missing = 8 - left.length - right.length;
  const groups = [...left, ...Array(Math.max(0, missing)).fill("0"), ...right];
  return groups.flatMap((group) => {
    const value = Number.parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}
