import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { ModelClient } from "../../src/models/model-client.ts";
import { ModelError } from "../../src/models/model-errors.ts";
import type { ModelSettings } from "../../src/models/model-settings.ts";
import type { Resolve } from "../../src/outbound/address-guard.ts";
import {
  createOutboundFetch,
  type OutboundFetch,
} from "../../src/outbound/outbound-fetch.ts";
import type { OutboundPolicy } from "../../src/outbound/outbound-policy.ts";
import { startAnthropicFake } from "../fakes/fake-anthropic.ts";
import type { FakeModelServer } from "../fakes/fake-model-server.ts";
import { startOpenAiFake } from "../fakes/fake-openai.ts";
import { freePort } from "../helpers/test-server.ts";

const ANTHROPIC_KEY = "sk-ant-test-key-0123456789";
const STRICT: OutboundPolicy = { allowPrivate: false, allowedHosts: [] };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function outboundFetch(
  policy: OutboundPolicy,
  resolve?: Resolve,
): OutboundFetch {
  const outbound = createOutboundFetch(policy, {
    timeoutMs: 5_000,
    ...(resolve ? { resolve } : {}),
  });
  cleanups.push(() => outbound.close());
  return outbound;
}

async function fake(
  start: () => Promise<FakeModelServer>,
): Promise<FakeModelServer> {
  const server = await start();
  cleanups.push(() => server.close());
  return server;
}

/** A server that answers every request with a redirect to `location`,
 * keeping the requests it received. */
async function redirector(
  status: number,
  location: string,
): Promise<{ origin: string; port: number; hits: number }> {
  const port = await freePort();
  const state = { origin: `http://127.0.0.1:${port}`, port, hits: 0 };
  const server = http.createServer((request, response) => {
    state.hits += 1;
    request.resume();
    response.writeHead(status, { location });
    response.end();
  });
  await new Promise<void>((resolve) =>
    server.listen(port, "127.0.0.1", resolve),
  );
  cleanups.push(
    () => new Promise<void>((resolve) => server.close(() => resolve())),
  );
  return state;
}

function settings(overrides: Partial<ModelSettings>): ModelSettings {
  return {
    kind: "openai-compatible",
    name: "gpt-test",
    baseUrl: undefined,
    apiKey: undefined,
    stream: false,
    timeoutMs: 5_000,
    ...overrides,
  };
}

function call() {
  return {
    prompt: [
      {
        role: "user" as const,
        content: [{ type: "text" as const, text: "Hi" }],
      },
    ],
    tools: [],
    signal: new AbortController().signal,
    deadline: Date.now() + 60_000,
  };
}

describe("model calls through the outbound fetch", () => {
  it("refuse a base_url whose host resolves to loopback at connection time", async () => {
    const model = await fake(() => startOpenAiFake(undefined));
    const port = new URL(model.url).port;
    // The name looks public to any earlier check; the connection's own
    // lookup is what sees the loopback address.
    const loopback: Resolve = async () => [{ address: "127.0.0.1", family: 4 }];
    const client = new ModelClient(
      settings({ baseUrl: `https://models.example.test:${port}/v1` }),
      { fetch: outboundFetch(STRICT, loopback).fetch },
    );

    const failure = await client.call(call()).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ModelError);
    expect((failure as ModelError).transient).toBe(false);
    expect((failure as ModelError).message).toContain(
      "resolves to the private address 127.0.0.1",
    );
    expect(model.requests).toHaveLength(0);
  });

  it("refuse plain http to a host the allow-list does not name", async () => {
    const model = await fake(() => startOpenAiFake(undefined));
    const client = new ModelClient(settings({ baseUrl: `${model.url}/v1` }), {
      fetch: outboundFetch(STRICT).fetch,
    });

    await expect(client.call(call())).rejects.toThrow("only https is allowed");
    expect(model.requests).toHaveLength(0);
  });

  it("reach a local model server named in the allow-list, streaming", async () => {
    const model = await fake(() => startOpenAiFake(undefined));
    model.reply({ text: "Streamed through the guard." });
    const host = new URL(model.url).host;
    const client = new ModelClient(
      settings({ baseUrl: `${model.url}/v1`, stream: true }),
      {
        fetch: outboundFetch({ allowPrivate: false, allowedHosts: [host] })
          .fetch,
      },
    );

    const turn = await client.call(call());

    expect(JSON.stringify(turn)).toContain("Streamed through the guard.");
    expect(model.requests).toHaveLength(1);
    expect(model.requests[0]?.json.stream).toBe(true);
  });

  it("refuse a redirect to a private address without following it", async () => {
    const metadata = await redirector(200, "unused");
    const redirecting = await redirector(
      307,
      `http://169.254.169.254/latest/meta-data/?via=${metadata.port}`,
    );
    const host = new URL(redirecting.origin).host;
    const client = new ModelClient(
      settings({ baseUrl: `${redirecting.origin}/v1` }),
      {
        fetch: outboundFetch({ allowPrivate: false, allowedHosts: [host] })
          .fetch,
      },
    );

    const failure = await client.call(call()).catch((error: unknown) => error);

    expect((failure as ModelError).message).toContain(
      "answered 307, a redirect to http://169.254.169.254/latest/meta-data/",
    );
    expect((failure as ModelError).transient).toBe(false);
    expect(redirecting.hits).toBe(1);
  });

  it("never carry Anthropic's x-api-key to the host a redirect names", async () => {
    const elsewhere = await fake(() => startAnthropicFake(ANTHROPIC_KEY));
    const redirecting = await redirector(308, `${elsewhere.url}/v1/messages`);
    const client = new ModelClient(
      settings({
        kind: "anthropic",
        name: "claude-test",
        apiKey: ANTHROPIC_KEY,
        baseUrl: `${redirecting.origin}/v1`,
      }),
      // Both hosts allowed: only the redirect rule stands in the way.
      { fetch: outboundFetch({ allowPrivate: true, allowedHosts: [] }).fetch },
    );

    await expect(client.call(call())).rejects.toThrow("a redirect");
    expect(redirecting.hits).toBe(1);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it("keep the server's words short and without the key in the run's error", async () => {
    const key = "sk-secret-key-that-must-not-leak-42";
    const model = await fake(() => startOpenAiFake(key));
    model.reply({
      status: 400,
      body: {
        error: {
          message: `Invalid request for key ${key}: ${"x".repeat(400)}`,
        },
      },
    });
    const client = new ModelClient(
      settings({ baseUrl: `${model.url}/v1`, apiKey: key }),
      { fetch: outboundFetch({ allowPrivate: true, allowedHosts: [] }).fetch },
    );

    const failure = (await client
      .call(call())
      .catch((error: unknown) => error)) as ModelError;

    expect(failure.message).toContain("answered 400");
    expect(failure.message).toContain("Invalid request for key [redacted]");
    expect(failure.message).not.toContain(key);
    expect(failure.message.length).toBeLessThan(400);
  });
});
