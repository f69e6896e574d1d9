#!/usr/bin/env node
import fs from "node:fs";
import { Command, Option } from "commander";
import { createApp } from "./app.ts";
import { bootstrapSecrets } from "./config/bootstrap-secrets.ts";
import {
  type DeclaredConfig,
  parseDeclaredConfig,
} from "./config/declared-config.ts";
import { processEnvironment } from "./config/process-environment.ts";
import { ConfigError, readConfig } from "./config/read-config.ts";
import { buildServer } from "./http/server.ts";
import { DatabaseUnreachableError } from "./store/database.ts";
import { createLogger } from "./telemetry/logger.ts";

// The entry point: the only module that exits, and the one that takes
// the configuration from the environment (config/process-environment.ts).
// Exit codes: 1 unexpected failure, 2 invalid configuration, 3 database
// unreachable at start-up.

const DEFAULT_CONFIG_FILE = "flowgate.yaml";

/** FLOWGATE_CONFIG, or ./flowgate.yaml when it exists. */
function readDeclaredConfig(
  file: string | undefined,
  env: NodeJS.ProcessEnv,
): DeclaredConfig | undefined {
  const chosen =
    file ??
    (fs.existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (!chosen) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(chosen, "utf8");
  } catch (error) {
    throw new ConfigError("FLOWGATE_CONFIG", `cannot read ${chosen}`, {
      cause: error,
    });
  }
  return parseDeclaredConfig(text, env, chosen);
}

async function serve(options: { role?: string }): Promise<void> {
  const env = processEnvironment();
  if (options.role) env.FLOWGATE_ROLE = options.role;

  let config: ReturnType<typeof readConfig>;
  let declared: DeclaredConfig | undefined;
  try {
    config = readConfig(env);
    declared = readDeclaredConfig(config.configFile, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`flowgate: invalid configuration: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }

  const logger = createLogger(config.logLevel);
  const secrets = bootstrapSecrets(config, logger);
  const app = await createApp(config, secrets, logger, { declared }).catch(
    (error: unknown) => {
      // A declared trigger that cannot be applied, or a secret key that
      // does not open the database's secrets, is a configuration error.
      if (error instanceof ConfigError) {
        console.error(`flowgate: invalid configuration: ${error.message}`);
        process.exit(2);
      }
      if (error instanceof DatabaseUnreachableError) {
        console.error(`flowgate: ${error.message}`);
        process.exit(3);
      }
      throw error;
    },
  );
  const server = buildServer(app);
  await server.listen({ host: config.host, port: config.port });
  const address = server.server.address();
  const port =
    typeof address === "object" && address ? address.port : config.port;
  logger.info(
    { host: config.host, port, role: config.role, data_dir: config.dataDir },
    "flowgate is listening",
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    await server.close();
    await app.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

const program = new Command("flowgate").description(
  "Turns tracker webhooks into merge requests",
);
program
  .command("serve", { isDefault: true })
  .description("run the gateway and its workers")
  .addOption(
    new Option(
      "--role <role>",
      "which parts to run (also FLOWGATE_ROLE)",
    ).choices(["api", "worker", "all"]),
  )
  .action(serve);

program.parseAsync().catch((error: unknown) => {
  console.error("flowgate: failed to start:", error);
  process.exit(1);
});
