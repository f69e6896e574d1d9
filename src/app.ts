import path from "node:path";
import type { Logger } from "pino";
import { type Clock, systemClock } from "./clock.ts";
import { applyDeclaredConfig } from "./config/apply-declared-config.ts";
import type { InstanceSecrets } from "./config/bootstrap-secrets.ts";
import type { DeclaredConfig } from "./config/declared-config.ts";
import type { Config } from "./config/read-config.ts";
import { checkSecretKey } from "./crypto/check-secret-key.ts";
import { SecretBox } from "./crypto/secret-box.ts";
import { AgentExecutor } from "./executors/agent/agent-executor.ts";
import type { AnyExecutor } from "./executors/executor.ts";
import { GitLabDuoExecutor } from "./executors/gitlab-duo/gitlab-duo-executor.ts";
import { GitLabPipelineExecutor } from "./executors/gitlab-pipeline/gitlab-pipeline-executor.ts";
import { RemoteWakeups } from "./executors/remote/remote-wakeups.ts";
import { ForgeRegistry } from "./forges/forge-registry.ts";
import { GitLabForge } from "./forges/gitlab/gitlab-forge.ts";
import { readGitLabConfig } from "./forges/gitlab/gitlab-project-config.ts";
import { LocalForge } from "./forges/local/local-forge.ts";
import { AdmissionBatcher } from "./ingress/admission-batcher.ts";
import { AdmissionThread } from "./ingress/admission-thread.ts";
import type { IngressContext } from "./ingress/ingress-context.ts";
import { LookupCache } from "./ingress/lookup-cache.ts";
import {
  AuthFailureLimits,
  inMemoryLimiters,
  postgresLimiters,
  TriggerRateLimits,
} from "./ingress/rate-limits.ts";
import { RefusalLog } from "./ingress/refusal-log.ts";
import { transactionCommit } from "./ingress/transaction-commit.ts";
import {
  createOutboundHttp,
  type OutboundHttp,
} from "./outbound/outbound-http.ts";
import { Dispatcher } from "./outbox/dispatcher.ts";
import { releaseOrphanedMessages } from "./outbox/release-orphaned-messages.ts";
import { wakeOnReceipts } from "./outbox/wake-on-receipts.ts";
import { JobListener } from "./queue/job-listener.ts";
import { releaseOrphanedJobs } from "./queue/release-orphaned-jobs.ts";
import { Worker } from "./queue/worker.ts";
import { RunJobHandler } from "./runs/run-job-handler.ts";
import { openStore, type Store } from "./store/database.ts";
import { notifyWake } from "./store/dialect.ts";
import { Metrics } from "./telemetry/metrics.ts";

const SECOND_MS = 1000;
// Batches committing at once on PostgreSQL; each holds a pooled connection.
// Measured on the 2-core bench (1, 2, 4, 8): two overlap the network round
// trips of one commit with the planning of the next; more only queue on the
// same rows and cost throughput.
const POSTGRES_CONCURRENT_COMMITS = 2;

/** Everything one process holds, wired once at start-up. */
export interface App {
  config: Config;
  logger: Logger;
  store: Store;
  secretBox: SecretBox;
  adminToken: string;
  metrics: Metrics;
  forge: LocalForge;
  /** The forge of each project: the local one, or a registered kind. */
  forges: ForgeRegistry;
  ingress: IngressContext;
  /** Absent in an api-only process. */
  worker: Worker | undefined;
  /** Every call to an address Flowgate was given goes through it. */
  outbound: OutboundHttp;
  /** Sends reporting-back messages; absent in an api-only process. */
  dispatcher: Dispatcher | undefined;
  /** GitLab flow callbacks wake the flow's follower through it. */
  remoteWakeups: RemoteWakeups;
  now: Clock;
  close(): Promise<void>;
}

export interface AppOptions {
  now?: Clock;
  /** Projects and triggers declared as code (FLOWGATE_CONFIG). */
  declared?: DeclaredConfig | undefined;
}

export async function createApp(
  config: Config,
  secrets: InstanceSecrets,
  logger: Logger,
  options: AppOptions = {},
): Promise<App> {
  const now = options.now ?? systemClock;
  const store = await openStore(config, (error) =>
    logger.warn({ err: error }, "a database connection failed"),
  );
  const db = store.db;
  const secretBox = new SecretBox(secrets.secretKey);
  try {
    await checkSecretKey(db, secretBox, now());
  } catch (error) {
    await store.close();
    throw error;
  }
  const metrics = new Metrics();
  const forge = new LocalForge({
    db,
    repositoriesDir: path.join(config.dataDir, "repositories"),
    publicUrl: config.publicUrl,
    now,
  });

  if (options.declared) {
    await applyDeclaredConfig(options.declared, {
      db,
      forge,
      secretBox,
      logger,
      now: now(),
    });
  }

  // Projects on the local forge by default; other kinds register here.
  const forges = new ForgeRegistry(db, forge);
  const outbound = createOutboundHttp(
    {
      allowPrivate: config.outboundAllowPrivate,
      allowedHosts: config.outboundAllowHosts,
    },
    { timeoutMs: config.outboundTimeoutMs },
  );
  forges.register(
    "gitlab",
    (project) =>
      new GitLabForge(
        {
          ...readGitLabConfig(project.forgeConfig, secretBox),
          projectPath: project.path,
        },
        outbound,
      ),
  );
  const dispatcher =
    config.role === "api"
      ? undefined
      : new Dispatcher({ db, secretBox, http: outbound, logger, now });
  // A callback may reach any api process and its flow's follower be in
  // any worker: on PostgreSQL every process hears of it.
  const remoteWakeups = new RemoteWakeups({
    logger,
    broadcast: (message) => notifyWake(db, store.dialect, message),
  });
  const worker =
    config.role === "api"
      ? undefined
      : createWorker(config, store, forges, metrics, logger, now, outbound, {
          secretBox,
          instanceSecrets: instanceSecrets(config, secrets),
          onReports: () => dispatcher?.wake(),
          remoteWakeups,
        });

  // SQLite commits on a thread of its own (admission-thread.ts); a
  // PostgreSQL pool commits several batches at once from this thread.
  const admissions =
    store.dialect === "sqlite" && config.role !== "worker"
      ? await AdmissionThread.start(config, logger)
      : undefined;
  const ingress: IngressContext = {
    db,
    secretBox,
    batcher: new AdmissionBatcher({
      commit: wakeOnReceipts(
        admissions?.commit ?? transactionCommit(db, store.dialect),
        () => dispatcher?.wake(),
      ),
      now,
      logger,
      maxConcurrentCommits:
        store.dialect === "sqlite" ? 1 : POSTGRES_CONCURRENT_COMMITS,
      onCommitted: () => worker?.wake(),
    }),
    refusals: new RefusalLog(db, logger),
    lookups: new LookupCache(db, now),
    triggerLimits: new TriggerRateLimits(
      store.pool ? postgresLimiters(store.pool) : inMemoryLimiters,
    ),
    authFailures: new AuthFailureLimits(config.authFailureLimitPerMinute),
    metrics,
    logger,
    publicUrl: config.publicUrl,
    now,
    abortRun: (runId) => worker?.abortRun(runId),
  };

  if (worker) {
    if (store.dialect === "sqlite") {
      // One process owns a SQLite file: running jobs are a dead
      // predecessor's, and need not wait for their leases to lapse.
      const released = await releaseOrphanedJobs(db, now());
      if (released > 0)
        logger.info({ released }, "released jobs of a previous process");
    }
    worker.start();
  }
  if (dispatcher && store.dialect === "sqlite") {
    // Likewise: a message lease on a SQLite file is a dead predecessor's,
    // and its message need not wait for the lease to lapse.
    const released = await releaseOrphanedMessages(db, now());
    if (released > 0)
      logger.info({ released }, "released messages of a previous process");
  }
  dispatcher?.start();
  // Jobs queued by other processes wake this one's worker at once, and
  // flow callbacks they received this one's followers.
  const listener =
    worker && config.databaseUrl
      ? new JobListener(
          config.databaseUrl,
          {
            onJob: () => worker.wake(),
            onWake: (message) => remoteWakeups.receive(message),
          },
          logger,
        )
      : undefined;
  listener?.start();

  return {
    config,
    logger,
    store,
    secretBox,
    adminToken: secrets.adminToken,
    metrics,
    forge,
    forges,
    ingress,
    worker,
    outbound,
    dispatcher,
    remoteWakeups,
    now,
    async close() {
      await listener?.stop();
      await worker?.stop();
      await dispatcher?.stop();
      await outbound.close();
      await ingress.refusals.flush();
      await admissions?.close();
      await store.close();
    },
  };
}

function createWorker(
  config: Config,
  store: Store,
  forges: ForgeRegistry,
  metrics: Metrics,
  logger: Logger,
  now: Clock,
  outbound: OutboundHttp,
  secrets: {
    secretBox: SecretBox;
    instanceSecrets: string[];
    onReports: () => void;
    remoteWakeups: RemoteWakeups;
  },
): Worker {
  const agent = new AgentExecutor({
    db: store.db,
    model: config.model,
    budgets: config.agentBudgets,
    outboundAllowPrivate: config.outboundAllowPrivate,
    outboundAllowHosts: config.outboundAllowHosts,
    now,
    dataDir: config.dataDir,
    logger,
  });
  // The GitLab executors call GitLab through the app's outbound client,
  // so an instance URL obeys FLOWGATE_OUTBOUND_* like every other.
  const gitlab = {
    db: store.db,
    secretBox: secrets.secretBox,
    http: outbound,
    reporting: { publicUrl: config.publicUrl, onReports: secrets.onReports },
  };
  const duo = { wakeups: secrets.remoteWakeups };
  const executors = new Map<string, AnyExecutor>([
    ["agent", agent],
    ["gitlab_duo", new GitLabDuoExecutor({ ...gitlab, ...duo, now })],
    ["gitlab_pipeline", new GitLabPipelineExecutor({ ...gitlab, now })],
  ]);
  const handler = new RunJobHandler({
    db: store.db,
    forges,
    executors,
    workspacesDir: path.join(config.dataDir, "workspaces"),
    publicUrl: config.publicUrl,
    logger,
    now,
    metrics,
    onReports: secrets.onReports,
    workflowSources: {
      secretBox: secrets.secretBox,
      instance: { model: config.model, budgets: config.agentBudgets },
      instanceSecrets: secrets.instanceSecrets,
    },
  });
  return new Worker({
    db: store.db,
    handler,
    logger,
    now,
    concurrency: config.workerConcurrency,
    projectConcurrency: config.projectConcurrency,
    leaseMs: config.jobLeaseSeconds * SECOND_MS,
    dialect: store.dialect,
  });
}

/** The instance's secrets, which no transcript may hold. */
function instanceSecrets(config: Config, secrets: InstanceSecrets): string[] {
  return [
    secrets.adminToken,
    secrets.secretKey.toString("base64"),
    ...(config.model.apiKey ? [config.model.apiKey] : []),
  ];
}
