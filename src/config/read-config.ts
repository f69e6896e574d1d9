import path from "node:path";
import { z } from "zod";

/** The process's configuration, read once from the environment at start-up. */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  adminToken: string | undefined;
  secretKey: Buffer | undefined;
  publicUrl: string;
  role: Role;
  model: ModelConfig;
  /** The agent's limits per run, unless a trigger or workflow sets less. */
  agentBudgets: AgentBudgets;
  outboundAllowPrivate: boolean;
  /** Hosts (`name` or `name:port`) reachable whatever they resolve to. */
  outboundAllowHosts: string[];
  /** How long one call to a tracker or callback may take. */
  outboundTimeoutMs: number;
  configFile: string | undefined;
  logLevel: string;
  workerConcurrency: number;
  projectConcurrency: number;
  jobLeaseSeconds: number;
  databasePoolSize: number;
  bodyLimitBytes: number;
  authFailureLimitPerMinute: number;
}

export type Role = "api" | "worker" | "all";

export interface ModelConfig {
  kind: "offline" | "openai-compatible" | "anthropic";
  baseUrl: string | undefined;
  apiKey: string | undefined;
  name: string | undefined;
  /** Ask for streamed answers (server-sent events) instead of whole ones. */
  stream: boolean;
  /** How long one model call may take, retries apart. */
  timeoutMs: number;
}

export interface AgentBudgets {
  maxSteps: number;
  maxTokens: number;
  maxDurationMs: number;
  /** How long one run_command may take. */
  commandTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(variable: string, problem: string, options?: ErrorOptions) {
    super(`${variable}: ${problem}`, options);
    this.name = "ConfigError";
  }
}

const MEBIBYTE = 1024 * 1024;
const SECOND_MS = 1000;

const flag = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((value) => ["true", "1", "yes"].includes(value));

/** Decimal digits only: coercion would read " " as 0 and "0x50" as 80. */
const whole = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d{1,15}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().min(min).max(max));

const port = whole(0, 65_535);

const base64Key = z.string().transform((value, context) => {
  const key = Buffer.from(value, "base64");
  if (key.length !== 32) {
    context.addIssue({
      code: "custom",
      message: "must be 32 bytes encoded as base64 (openssl rand -base64 32)",
    });
    return z.NEVER;
  }
  return key;
});

const variables = {
  FLOWGATE_HOST: z.string().min(1).default("127.0.0.1"),
  FLOWGATE_PORT: port.default(8080),
  FLOWGATE_DATA_DIR: z.string().min(1).default("./data"),
  FLOWGATE_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must start with postgres://")
    .optional(),
  FLOWGATE_ADMIN_TOKEN: z
    .string()
    .min(20, "must be at least 20 characters")
    .optional(),
  FLOWGATE_SECRET_KEY: base64Key.optional(),
  FLOWGATE_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  FLOWGATE_ROLE: z.enum(["api", "worker", "all"]).default("all"),
  FLOWGATE_MODEL: z
    .enum(["offline", "openai-compatible", "anthropic"])
    .default("offline"),
  FLOWGATE_MODEL_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  FLOWGATE_MODEL_API_KEY: z.string().min(1).optional(),
  FLOWGATE_MODEL_NAME: z.string().min(1).optional(),
  FLOWGATE_MODEL_STREAM: flag.default(false),
  FLOWGATE_MODEL_TIMEOUT_S: whole(1, 3600).default(300),
  FLOWGATE_AGENT_MAX_STEPS: whole(1, 1000).default(40),
  FLOWGATE_AGENT_MAX_TOKENS: whole(1000).default(1_000_000),
  FLOWGATE_AGENT_MAX_DURATION_S: whole(10, 86_400).default(1800),
  FLOWGATE_AGENT_COMMAND_TIMEOUT_S: whole(1, 3600).default(300),
  FLOWGATE_OUTBOUND_ALLOW_PRIVATE: flag.default(false),
  FLOWGATE_OUTBOUND_ALLOW_HOSTS: z
    .string()
    .regex(
      /^[a-z0-9.:[\]-]+(,[a-z0-9.:[\]-]+)*$/i,
      "must be a comma-separated list of host names, each with an optional :port",
    )
    .optional(),
  FLOWGATE_OUTBOUND_TIMEOUT_S: whole(1, 300).default(10),
  FLOWGATE_CONFIG: z.string().min(1).optional(),
  FLOWGATE_LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info"),
  FLOWGATE_WORKER_CONCURRENCY: whole(1, 64).default(4),
  FLOWGATE_PROJECT_CONCURRENCY: whole(1, 64).default(2),
  FLOWGATE_JOB_LEASE_SECONDS: whole(2, 3600).default(30),
  FLOWGATE_DATABASE_POOL_SIZE: whole(2, 1000).default(10),
  FLOWGATE_BODY_LIMIT_BYTES: whole(1).default(MEBIBYTE),
  FLOWGATE_AUTH_FAILURES_PER_MINUTE: whole(1).default(60),
};

type Variable = keyof typeof variables;

/**
 * Turns the environment into a typed configuration. Pure: it reads only
 * `env`, so tests pass their own. A bad value throws a ConfigError that
 * names the variable.
 */
export function readConfig(env: NodeJS.ProcessEnv): Config {
  const read = <K extends Variable>(
    name: K,
  ): z.output<(typeof variables)[K]> => {
    const raw = env[name];
    const result = variables[name].safeParse(raw === "" ? undefined : raw);
    if (!result.success) {
      const problem = result.error.issues[0]?.message ?? "is invalid";
      throw new ConfigError(name, problem);
    }
    return result.data as z.output<(typeof variables)[K]>;
  };

  const host = read("FLOWGATE_HOST");
  const portNumber = read("FLOWGATE_PORT");
  const publicUrl =
    read("FLOWGATE_PUBLIC_URL") ?? `http://${urlHost(host)}:${portNumber}`;

  return {
    host,
    port: portNumber,
    dataDir: path.resolve(read("FLOWGATE_DATA_DIR")),
    databaseUrl: read("FLOWGATE_DATABASE_URL"),
    adminToken: read("FLOWGATE_ADMIN_TOKEN"),
    secretKey: read("FLOWGATE_SECRET_KEY"),
    publicUrl: publicUrl.replace(/\/+$/, ""),
    role: read("FLOWGATE_ROLE"),
    model: {
      kind: read("FLOWGATE_MODEL"),
      baseUrl: read("FLOWGATE_MODEL_BASE_URL"),
      apiKey: read("FLOWGATE_MODEL_API_KEY"),
      name: read("FLOWGATE_MODEL_NAME"),
      stream: read("FLOWGATE_MODEL_STREAM"),
      timeoutMs: read("FLOWGATE_MODEL_TIMEOUT_S") * SECOND_MS,
    },
    agentBudgets: {
      maxSteps: read("FLOWGATE_AGENT_MAX_STEPS"),
      maxTokens: read("FLOWGATE_AGENT_MAX_TOKENS"),
      maxDurationMs: read("FLOWGATE_AGENT_MAX_DURATION_S") * SECOND_MS,
      commandTimeoutMs: read("FLOWGATE_AGENT_COMMAND_TIMEOUT_S") * SECOND_MS,
    },
    outboundAllowPrivate: read("FLOWGATE_OUTBOUND_ALLOW_PRIVATE"),
    outboundAllowHosts: (read("FLOWGATE_OUTBOUND_ALLOW_HOSTS") ?? "")
      .split(",")
      .filter((host) => host !== "")
      .map((host) => host.toLowerCase()),
    outboundTimeoutMs: read("FLOWGATE_OUTBOUND_TIMEOUT_S") * SECOND_MS,
    configFile: read("FLOWGATE_CONFIG"),
    logLevel: read("FLOWGATE_LOG_LEVEL"),
    workerConcurrency: read("FLOWGATE_WORKER_CONCURRENCY"),
    projectConcurrency: read("FLOWGATE_PROJECT_CONCURRENCY"),
    jobLeaseSeconds: read("FLOWGATE_JOB_LEASE_SECONDS"),
    databasePoolSize: read("FLOWGATE_DATABASE_POOL_SIZE"),
    bodyLimitBytes: read("FLOWGATE_BODY_LIMIT_BYTES"),
    authFailureLimitPerMinute: read("FLOWGATE_AUTH_FAILURES_PER_MINUTE"),
  };
}

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}
