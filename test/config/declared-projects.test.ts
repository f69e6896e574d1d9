import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { bootstrapSecrets } from "../../src/config/bootstrap-secrets.ts";
import { parseDeclaredConfig } from "../../src/config/declared-config.ts";
import { ConfigError, readConfig } from "../../src/config/read-config.ts";
import { hashToken } from "../../src/crypto/tokens.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { LogCapture } from "../helpers/log-capture.ts";

const YAML = `
projects:
  - path: acme/shop
    default_branch: trunk
    triggers:
      - name: PROJ board
        source: generic
        auth: token
        token: \${SHOP_TOKEN}
        label: flowgate
`;

describe("projects and triggers declared in YAML", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0))
      fs.rmSync(dir, { recursive: true, force: true });
  });

  it("interpolates environment variables into the declarations", () => {
    const declared = parseDeclaredConfig(
      YAML,
      { SHOP_TOKEN: "t".repeat(24) },
      "flowgate.yaml",
    );
    expect(declared.projects[0]?.triggers[0]?.token).toBe("t".repeat(24));
    expect(declared.projects[0]?.default_branch).toBe("trunk");
  });

  it("names the missing variable instead of using an empty string", () => {
    expect(() => parseDeclaredConfig(YAML, {}, "flowgate.yaml")).toThrow(
      /SHOP_TOKEN is not set/,
    );
  });

  it("refuses an unknown trigger setting with its path", () => {
    const bad = YAML.replace("label: flowgate", "labell: flowgate");
    expect(() =>
      parseDeclaredConfig(bad, { SHOP_TOKEN: "t".repeat(24) }, "f.yaml"),
    ).toThrow(ConfigError);
  });

  it("creates the declared project and trigger once, storing only the token's hash", async () => {
    const dataDir = fs.mkdtempSync(
      path.join(os.tmpdir(), "flowgate-declared-"),
    );
    dirs.push(dataDir);
    const token = "declared-token-0123456789";
    const declared = parseDeclaredConfig(
      YAML,
      { SHOP_TOKEN: token },
      "flowgate.yaml",
    );
    const config = readConfig({
      FLOWGATE_DATA_DIR: dataDir,
      FLOWGATE_ROLE: "api",
    });
    const logger = createLogger("info", new LogCapture());
    const secrets = bootstrapSecrets(config, logger);

    for (let start = 0; start < 2; start += 1) {
      const app = await createApp(config, secrets, logger, { declared });
      const triggers = await app.store.db
        .selectFrom("triggers")
        .selectAll()
        .execute();
      const projects = await app.store.db
        .selectFrom("projects")
        .selectAll()
        .execute();
      expect(projects.map((project) => project.default_branch)).toEqual([
        "trunk",
      ]);
      expect(triggers).toHaveLength(1);
      expect(triggers[0]?.label).toBe("flowgate");
      expect(triggers[0]?.token_hash).toBe(hashToken(token));
      await app.close();
    }
  });
});
