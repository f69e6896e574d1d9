import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import type { Config } from "./read-config.ts";

export interface InstanceSecrets {
  adminToken: string;
  secretKey: Buffer;
}

/**
 * Creates the data directory and, on first start, the admin token and the
 * secret key, each in a 0600 file. Their location is logged, never their
 * value. Values from the environment win and are never written to disk.
 */
export function bootstrapSecrets(
  config: Config,
  logger: Logger,
): InstanceSecrets {
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });

  const adminToken =
    config.adminToken ??
    readOrCreate(
      path.join(config.dataDir, "admin-token"),
      logger,
      () => `fga_${randomBytes(24).toString("base64url")}`,
    );

  const secretKey =
    config.secretKey ??
    Buffer.from(
      readOrCreate(path.join(config.dataDir, "secret.key"), logger, () =>
        randomBytes(32).toString("base64"),
      ),
      "base64",
    );
  if (secretKey.length !== 32) {
    throw new Error(
      `${path.join(config.dataDir, "secret.key")} does not hold a 32-byte ` +
        "base64 key; restore it from a backup or set FLOWGATE_SECRET_KEY",
    );
  }

  return { adminToken, secretKey };
}

function readOrCreate(
  file: string,
  logger: Logger,
  generate: () => string,
): string {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new Error(`cannot read ${file}`, { cause: error });
    }
  }

  const value = generate();
  // "wx" fails if another process created the file meanwhile; read theirs.
  try {
    fs.writeFileSync(file, `${value}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      return fs.readFileSync(file, "utf8").trim();
    }
    throw new Error(`cannot write ${file}`, { cause: error });
  }
  logger.info({ file }, "generated a new secret file (mode 0600)");
  return value;
}
