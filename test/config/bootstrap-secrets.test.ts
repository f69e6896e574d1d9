import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { bootstrapSecrets } from "../../src/config/bootstrap-secrets.ts";
import { readConfig } from "../../src/config/read-config.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { LogCapture } from "../helpers/log-capture.ts";

const temporary: string[] = [];

afterEach(() => {
  for (const dir of temporary.splice(0)) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** A data directory that does not exist yet, two levels below a temp dir. */
function missingDataDir(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-secrets-"));
  temporary.push(root);
  return path.join(root, "nested", "data");
}

function bootstrap(env: Record<string, string>) {
  const logs = new LogCapture();
  const config = readConfig(env);
  const secrets = bootstrapSecrets(config, createLogger("info", logs));
  return { secrets, logs };
}

function modeOf(file: string): number {
  return fs.statSync(file).mode & 0o777;
}

describe("bootstrapSecrets", () => {
  it("creates a missing data directory with an admin token and key in 0600 files", () => {
    const dataDir = missingDataDir();

    const { secrets } = bootstrap({ FLOWGATE_DATA_DIR: dataDir });

    const tokenFile = path.join(dataDir, "admin-token");
    const keyFile = path.join(dataDir, "secret.key");
    expect(fs.statSync(dataDir).isDirectory()).toBe(true);
    expect(modeOf(tokenFile)).toBe(0o600);
    expect(modeOf(keyFile)).toBe(0o600);
    expect(fs.readFileSync(tokenFile, "utf8").trim()).toBe(secrets.adminToken);
    expect(secrets.adminToken.length).toBeGreaterThanOrEqual(20);
    expect(secrets.secretKey).toHaveLength(32);
    expect(
      Buffer.from(fs.readFileSync(keyFile, "utf8").trim(), "base64").equals(
        secrets.secretKey,
      ),
    ).toBe(true);
  });

  it("logs where the secrets were written and never their values", () => {
    const dataDir = missingDataDir();

    const { secrets, logs } = bootstrap({ FLOWGATE_DATA_DIR: dataDir });

    const files = logs.entries().map((entry) => entry.file);
    expect(files).toEqual([
      path.join(dataDir, "admin-token"),
      path.join(dataDir, "secret.key"),
    ]);
    expect(logs.text).not.toContain(secrets.adminToken);
    expect(logs.text).not.toContain(secrets.secretKey.toString("base64"));
  });

  it("reuses the files of a previous start without logging again", () => {
    const dataDir = missingDataDir();
    const first = bootstrap({ FLOWGATE_DATA_DIR: dataDir });

    const second = bootstrap({ FLOWGATE_DATA_DIR: dataDir });

    expect(second.secrets.adminToken).toBe(first.secrets.adminToken);
    expect(second.secrets.secretKey.equals(first.secrets.secretKey)).toBe(true);
    expect(second.logs.lines).toEqual([]);
  });

  it("takes the environment's values and writes no file for them", () => {
    const dataDir = missingDataDir();
    const adminToken = "env-admin-token-0123456789";
    const key = Buffer.alloc(32, 3);

    const { secrets, logs } = bootstrap({
      FLOWGATE_DATA_DIR: dataDir,
      FLOWGATE_ADMIN_TOKEN: adminToken,
      FLOWGATE_SECRET_KEY: key.toString("base64"),
    });

    expect(secrets.adminToken).toBe(adminToken);
    expect(secrets.secretKey.equals(key)).toBe(true);
    expect(fs.readdirSync(dataDir)).toEqual([]);
    expect(logs.lines).toEqual([]);
  });

  it("prefers the environment's token over an existing file", () => {
    const dataDir = missingDataDir();
    const first = bootstrap({ FLOWGATE_DATA_DIR: dataDir });

    const { secrets } = bootstrap({
      FLOWGATE_DATA_DIR: dataDir,
      FLOWGATE_ADMIN_TOKEN: "env-admin-token-0123456789",
    });

    expect(secrets.adminToken).toBe("env-admin-token-0123456789");
    expect(
      fs.readFileSync(path.join(dataDir, "admin-token"), "utf8").trim(),
    ).toBe(first.secrets.adminToken);
  });

  it("refuses a secret.key file that does not hold 32 bytes, naming the fix", () => {
    const dataDir = missingDataDir();
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(path.join(dataDir, "secret.key"), "c2hvcnQ=\n");

    expect(() => bootstrap({ FLOWGATE_DATA_DIR: dataDir })).toThrow(
      /secret\.key .*FLOWGATE_SECRET_KEY/,
    );
  });
});
