import { describe, expect, it } from "vitest";
import { OutboundRefusedError } from "../../src/outbound/outbound-errors.ts";
import { createOutboundHttp } from "../../src/outbound/outbound-http.ts";
import { isPrivateAddress } from "../../src/outbound/outbound-policy.ts";

describe("IPv6 addresses that carry an IPv4 address", () => {
  it.each([
    ["64:ff9b::7f00:1", "NAT64 of 127.0.0.1"],
    ["64:ff9b::127.0.0.1", "NAT64 of 127.0.0.1, dotted"],
    ["64:ff9b::a9fe:a9fe", "NAT64 of 169.254.169.254"],
    ["64:ff9b::a00:1", "NAT64 of 10.0.0.1"],
    ["2002:7f00:1::", "6to4 of 127.0.0.1"],
    ["2002:c0a8:101::1", "6to4 of 192.168.1.1"],
    ["2002:a9fe:a9fe:1::5", "6to4 of 169.254.169.254"],
    ["::7f00:1", "IPv4-compatible 127.0.0.1"],
    ["64:ff9b:1::808:808", "local-use NAT64"],
  ])("counts %s (%s) as private", (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each([
    ["64:ff9b::808:808", "NAT64 of 8.8.8.8"],
    ["2002:808:808::1", "6to4 of 8.8.8.8"],
    ["2606:4700:4700::1111", "a public IPv6 address"],
  ])("lets %s (%s) through", (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });

  it("refuses a name that resolves to NAT64's form of the metadata address", async () => {
    const http = createOutboundHttp(
      { allowPrivate: false, allowedHosts: [] },
      { resolve: async () => [{ address: "64:ff9b::a9fe:a9fe", family: 6 }] },
    );
    try {
      const error = await http
        .send({ method: "GET", url: "https://hooks.example.test/x" })
        .catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(OutboundRefusedError);
      expect((error as Error).message).toContain(
        "resolves to the private address 64:ff9b::a9fe:a9fe",
      );
    } finally {
      await http.close();
    }
  });

  it("refuses a literal 6to4 address of loopback in the URL", async () => {
    const http = createOutboundHttp({ allowPrivate: false, allowedHosts: [] });
    try {
      await expect(
        http.send({ method: "GET", url: "https://[2002:7f00:1::1]/x" }),
      ).rejects.toThrow("2002:7f00:1::1 is a private address");
    } finally {
      await http.close();
    }
  });
});

describe("a destination checked for a program that connects by itself", () => {
  const resolve = async (hostname: string) =>
    hostname === "gitlab.internal.test"
      ? [{ address: "10.0.0.5", family: 4 }]
      : [{ address: "93.184.216.34", family: 4 }];

  it("refuses a name that resolves to a private address", async () => {
    const http = createOutboundHttp(
      { allowPrivate: false, allowedHosts: [] },
      { resolve },
    );
    try {
      await expect(
        http.checkDestination(
          "https://gitlab.internal.test/acme/shop.git",
          "git clone",
        ),
      ).rejects.toThrow(
        "git clone https://gitlab.internal.test/acme/shop.git refused: " +
          "gitlab.internal.test resolves to the private address 10.0.0.5",
      );
    } finally {
      await http.close();
    }
  });

  it("lets a public name, and a private one the policy names, through", async () => {
    const http = createOutboundHttp(
      { allowPrivate: false, allowedHosts: ["gitlab.internal.test"] },
      { resolve },
    );
    try {
      await http.checkDestination(
        "https://gitlab.internal.test/acme/shop.git",
        "git clone",
      );
      await http.checkDestination(
        "https://gitlab.com/acme/shop.git",
        "git push",
      );
    } finally {
      await http.close();
    }
  });
});
