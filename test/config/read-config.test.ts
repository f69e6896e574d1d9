import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, readConfig } from "../../src/config/read-config.ts";

const KEY_32 = Buffer.alloc(32, 7).toString("base64");

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    readConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`readConfig accepted ${JSON.stringify(env)}`);
}

describe("readConfig", () => {
  it("answers the defaults of DESIGN.md §2 for an empty environment", () => {
    const config = readConfig({});

    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 8080,
      dataDir: path.resolve("./data"),
      databaseUrl: undefined,
      adminToken: undefined,
      secretKey: undefined,
      publicUrl: "http://127.0.0.1:8080",
      role: "all",
      outboundAllowPrivate: false,
      model: {
        kind: "offline",
        baseUrl: undefined,
        apiKey: undefined,
        name: undefined,
      },
    });
  });

  it("reads only the environment it is given, never process.env", () => {
    const saved = process.env.FLOWGATE_PORT;
    process.env.FLOWGATE_PORT = "9999";
    try {
      const env = Object.freeze({ FLOWGATE_HOST: "0.0.0.0" });
      const config = readConfig(env);

      expect(config.port).toBe(8080);
      expect(env).toEqual({ FLOWGATE_HOST: "0.0.0.0" });
    } finally {
      if (saved === undefined) delete process.env.FLOWGATE_PORT;
      else process.env.FLOWGATE_PORT = saved;
    }
  });

  it("treats an empty value as unset", () => {
    expect(readConfig({ FLOWGATE_PORT: "", FLOWGATE_ROLE: "" })).toMatchObject({
      port: 8080,
      role: "all",
    });
  });

  it("derives the public URL from a wildcard or IPv6 listen address", () => {
    expect(
      readConfig({ FLOWGATE_HOST: "0.0.0.0", FLOWGATE_PORT: "9000" }).publicUrl,
    ).toBe("http://127.0.0.1:9000");
    expect(readConfig({ FLOWGATE_HOST: "::1" }).publicUrl).toBe(
      "http://[::1]:8080",
    );
  });

  it("takes the values it is given, trimming the public URL's slash", () => {
    const config = readConfig({
      FLOWGATE_PORT: "9090",
      FLOWGATE_DATA_DIR: "/var/lib/flowgate",
      FLOWGATE_ADMIN_TOKEN: "a-long-enough-admin-token",
      FLOWGATE_SECRET_KEY: KEY_32,
      FLOWGATE_PUBLIC_URL: "https://flowgate.example.com/",
      FLOWGATE_ROLE: "api",
      FLOWGATE_MODEL: "anthropic",
      FLOWGATE_MODEL_API_KEY: "sk-test",
      FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true",
    });

    expect(config).toMatchObject({
      port: 9090,
      dataDir: "/var/lib/flowgate",
      adminToken: "a-long-enough-admin-token",
      publicUrl: "https://flowgate.example.com",
      role: "api",
      outboundAllowPrivate: true,
      model: { kind: "anthropic", apiKey: "sk-test" },
    });
    expect(config.secretKey?.equals(Buffer.alloc(32, 7))).toBe(true);
  });

  it.each([
    ["FLOWGATE_PORT", "x"],
    ["FLOWGATE_PORT", "70000"],
    ["FLOWGATE_PORT", " "],
    ["FLOWGATE_PORT", "0x50"],
    ["FLOWGATE_PORT", "1e3"],
    ["FLOWGATE_PORT", "-1"],
    ["FLOWGATE_WORKER_CONCURRENCY", "0"],
    ["FLOWGATE_WORKER_CONCURRENCY", "65"],
    ["FLOWGATE_BODY_LIMIT_BYTES", "1.5"],
    ["FLOWGATE_SECRET_KEY", Buffer.alloc(16).toString("base64")],
    ["FLOWGATE_SECRET_KEY", Buffer.alloc(33).toString("base64")],
    ["FLOWGATE_MODEL", "gpt"],
    ["FLOWGATE_ROLE", "x"],
    ["FLOWGATE_PUBLIC_URL", "ftp://x"],
    ["FLOWGATE_PUBLIC_URL", "not a url"],
    ["FLOWGATE_DATABASE_URL", "mysql://db"],
    ["FLOWGATE_ADMIN_TOKEN", "short"],
    ["FLOWGATE_OUTBOUND_ALLOW_PRIVATE", "maybe"],
  ])("refuses %s=%j with a ConfigError naming the variable", (name, value) => {
    const error = configError({ [name]: value });

    expect(error.name).toBe("ConfigError");
    expect(error.message.startsWith(`${name}: `)).toBe(true);
  });

  it("never puts a refused secret's value in its message", () => {
    const value = Buffer.alloc(16, 9).toString("base64");
    const error = configError({ FLOWGATE_SECRET_KEY: value });

    expect(error.message).not.toContain(value);
  });
});
