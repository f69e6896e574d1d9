import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertEndpointAllowed } from "../../src/models/endpoint-policy.ts";
import { retryAfterMs } from "../../src/models/retry-after.ts";
import { isPrivateAddress } from "../../src/outbound/outbound-policy.ts";
import { runTicket } from "../agent/agent-fixture.ts";
import type { FakeModelServer } from "../fakes/fake-model-server.ts";
import { startOpenAiFake } from "../fakes/fake-openai.ts";
import { startTestServer, type TestServer } from "../helpers/test-server.ts";

describe("the model endpoint policy", () => {
  it.each([
    "127.0.0.1",
    "10.1.2.3",
    "192.168.0.9",
    "169.254.169.254",
    "::1",
    "fd00::1",
    "::ffff:127.0.0.1",
  ])("counts %s as private", (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  const strict = { allowPrivate: false, allowedHosts: [] };

  it("refuses a loopback endpoint unless private addresses are allowed", async () => {
    await expect(
      assertEndpointAllowed("https://127.0.0.1:11434/v1", strict),
    ).rejects.toThrow("FLOWGATE_OUTBOUND_ALLOW_PRIVATE");
    await expect(
      assertEndpointAllowed("http://127.0.0.1:11434/v1", {
        allowPrivate: true,
        allowedHosts: [],
      }),
    ).resolves.toBeUndefined();
    await expect(
      assertEndpointAllowed("https://93.184.215.14/v1", strict),
    ).resolves.toBeUndefined();
  });

  it("allows a local model server named with its port in the allow-list, over http", async () => {
    const ollama = { allowPrivate: false, allowedHosts: ["127.0.0.1:11434"] };

    await expect(
      assertEndpointAllowed("http://127.0.0.1:11434/v1", ollama),
    ).resolves.toBeUndefined();
    await expect(
      assertEndpointAllowed("http://127.0.0.1:8000/v1", ollama),
    ).rejects.toThrow("private address 127.0.0.1");
  });

  it("refuses plain http to a public host that is not allowed", async () => {
    await expect(
      assertEndpointAllowed("http://93.184.215.14/v1", strict),
    ).rejects.toThrow("only https is allowed");
  });

  it("refuses a name that resolves to loopback, naming the setting", async () => {
    const loopback = async () => [{ address: "127.0.0.1", family: 4 }];

    await expect(
      assertEndpointAllowed("https://models.example.test/v1", strict, loopback),
    ).rejects.toThrow(
      "resolves to the private address 127.0.0.1; name it in " +
        "FLOWGATE_OUTBOUND_ALLOW_HOSTS",
    );
  });
});

describe("retryAfterMs", () => {
  it("reads seconds, an HTTP date and retry-after-ms", () => {
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(retryAfterMs({ "Retry-After": "3" }, now)).toBe(3000);
    expect(
      retryAfterMs({ "retry-after": "Wed, 01 Jan 2025 00:00:05 GMT" }, now),
    ).toBe(5000);
    expect(retryAfterMs({ "retry-after-ms": "250" }, now)).toBe(250);
    expect(retryAfterMs({ "retry-after": "soon" }, now)).toBeUndefined();
  });
});

describe("a run whose model is on a private address", () => {
  let server: TestServer;
  let fake: FakeModelServer;
  beforeAll(async () => {
    server = await startTestServer();
    fake = await startOpenAiFake(undefined);
  });
  afterAll(async () => {
    await server.close();
    await fake.close();
  });

  it("fails without calling it when private addresses are not allowed", async () => {
    const project = await server.createProject();
    const trigger = await server.createTrigger(project.id, {
      model: {
        kind: "openai-compatible",
        name: "gpt-test",
        base_url: `${fake.url}/v1`,
      },
    });

    const run = await runTicket(server, project.id, trigger, {
      external_reference: "PRIV-1",
      title: "Call home",
    });

    expect(run.status).toBe("failed");
    expect(run.error).toContain("private address 127.0.0.1");
    expect(fake.requests).toHaveLength(0);
  });
});
