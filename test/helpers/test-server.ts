import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { Webhook } from "standardwebhooks";
import { type App, createApp } from "../../src/app.ts";
import type { Clock } from "../../src/clock.ts";
import { bootstrapSecrets } from "../../src/config/bootstrap-secrets.ts";
import { type Config, readConfig } from "../../src/config/read-config.ts";
import { buildServer } from "../../src/http/server.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { adminRequest, type JsonResponse, readJson } from "./admin-request.ts";
import { LogCapture } from "./log-capture.ts";

export interface TestServer {
  url: string;
  app: App;
  server: FastifyInstance;
  config: Config;
  adminToken: string;
  dataDir: string;
  logs: LogCapture;
  /** Calls the admin API with the admin token; JSON in, JSON out. */
  admin(method: string, path: string, body?: unknown): Promise<JsonResponse>;
  createProject(projectPath?: string): Promise<{ id: number; path: string }>;
  createTrigger(
    projectId: number,
    settings?: Record<string, unknown>,
  ): Promise<CreatedTrigger>;
  /** Waits until the run reaches one of `statuses`; returns it. */
  waitForRun(
    projectId: number,
    runId: number,
    statuses?: string[],
  ): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface CreatedTrigger {
  id: number;
  token: string;
  signing_secret: string;
  webhook_url: string;
}

export type { JsonResponse };

export interface TestServerOptions {
  env?: Record<string, string>;
  now?: Clock;
  dataDir?: string;
  /** The built dashboard to serve; default web/dist. */
  dashboardDir?: string;
}

/** Starts the real server on a free port with a fresh data directory. */
export async function startTestServer(
  options: TestServerOptions = {},
): Promise<TestServer> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir =
    options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-test-"));
  const port = await freePort();
  const config = readConfig({
    FLOWGATE_DATA_DIR: dataDir,
    FLOWGATE_PORT: String(port),
    FLOWGATE_LOG_LEVEL: "debug",
    ...options.env,
  });
  const logs = new LogCapture();
  const logger = createLogger(config.logLevel, logs);
  const secrets = bootstrapSecrets(config, logger);
  const app = await createApp(config, secrets, logger, {
    ...(options.now ? { now: options.now } : {}),
  });
  const server = buildServer(app, { dashboardDir: options.dashboardDir });
  await server.listen({ host: "127.0.0.1", port });
  const url = `http://127.0.0.1:${port}`;

  const admin = (method: string, urlPath: string, body?: unknown) =>
    adminRequest(url, secrets.adminToken, method, urlPath, body);

  let projects = 0;
  return {
    url,
    app,
    server,
    config,
    adminToken: secrets.adminToken,
    dataDir,
    logs,
    admin,
    async createProject(projectPath) {
      projects += 1;
      const created = await admin("POST", "/api/v4/projects", {
        path: projectPath ?? `acme/project-${projects}`,
      });
      if (created.status !== 201)
        throw new Error(`project: ${JSON.stringify(created.body)}`);
      return created.body;
    },
    async createTrigger(projectId, settings = {}) {
      const created = await admin(
        "POST",
        `/api/v4/projects/${projectId}/workflows/triggers`,
        {
          source: "generic",
          ...settings,
        },
      );
      if (created.status !== 201)
        throw new Error(`trigger: ${JSON.stringify(created.body)}`);
      return created.body;
    },
    async waitForRun(
      projectId,
      runId,
      statuses = ["succeeded", "failed", "canceled"],
    ) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const run = await admin(
          "GET",
          `/api/v4/projects/${projectId}/workflows/runs/${runId}`,
        );
        if (statuses.includes(run.body?.status)) return run.body;
        if (Date.now() > deadline) {
          throw new Error(
            `run ${runId} stayed ${run.body?.status}: ${JSON.stringify(run.body)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async close() {
      await server.close();
      await app.close();
      // A directory the caller passed in is theirs to remove.
      if (ownsDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

/**
 * Signs a body the way a Standard Webhooks sender does, with the
 * `standardwebhooks` package as the independent reference.
 */
export function signGeneric(
  secret: string,
  payload: unknown,
  options: { id?: string; timestamp?: Date; token?: string } = {},
): SignedRequest {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const id = options.id ?? `msg_${Math.random().toString(36).slice(2)}`;
  const timestamp = options.timestamp ?? new Date();
  const signature = new Webhook(secret).sign(id, timestamp, body);
  return {
    body,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "webhook-signature": signature,
      ...(options.token ? { "x-gitlab-token": options.token } : {}),
    },
  };
}

/** POSTs a delivery to the generic endpoint of a project. */
export async function deliver(
  server: TestServer,
  projectId: number | string,
  request: SignedRequest,
  urlPath = `/api/v4/projects/${projectId}/workflows/trigger`,
): Promise<JsonResponse> {
  const response = await fetch(`${server.url}${urlPath}`, {
    method: "POST",
    headers: request.headers,
    body: request.body,
  });
  return readJson(response);
}

/** A port that was free a moment ago, so links can name it up front. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
