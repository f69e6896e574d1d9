import pg from "pg";
import type { Logger } from "pino";
import { JOB_CHANNEL, WAKE_CHANNEL } from "../store/dialect.ts";

const SECOND_MS = 1000;
const FIRST_RECONNECT_MS = 1 * SECOND_MS;
const LAST_RECONNECT_MS = 30 * SECOND_MS;

/** What the listener hands on. */
export interface JobListenerHandlers {
  /** A job was queued somewhere, or jobs may have been missed. */
  onJob: () => void;
  /** A process announced news of remote work (RemoteWakeups). */
  onWake: (message: string) => void;
}

/**
 * Wakes this process's worker when any process queues a job on
 * PostgreSQL (LISTEN on the channel the jobs table notifies), and on
 * the same connection hears the wakes of remote work that any process
 * announces (a GitLab flow callback received by an api process). It
 * holds a connection of its own, outside the pool, for as long as it
 * listens. When the connection drops it reconnects with backoff and
 * wakes the worker once, for what it may have missed; the worker's poll
 * covers the time in between, and a follower's backoff the missed news.
 */
export class JobListener {
  #client: pg.Client | undefined;
  #stopped = false;
  #retryMs = FIRST_RECONNECT_MS;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly handlers: JobListenerHandlers,
    private readonly logger: Logger,
  ) {}

  start(): void {
    void this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const client = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: 3 * SECOND_MS,
      application_name: "flowgate-listener",
    });
    client.on("notification", (message) => this.#hear(message));
    client.on("error", (error) => this.#lost(client, error));
    client.on("end", () => this.#lost(client, undefined));
    try {
      await client.connect();
      await client.query(`listen ${JOB_CHANNEL}`);
      await client.query(`listen ${WAKE_CHANNEL}`);
    } catch (error) {
      this.#lost(client, error);
      return;
    }
    if (this.#stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    this.#retryMs = FIRST_RECONNECT_MS;
    this.logger.debug(
      { channels: [JOB_CHANNEL, WAKE_CHANNEL] },
      "listening for new jobs and remote wakes",
    );
    this.handlers.onJob();
  }

  #hear(message: pg.Notification): void {
    if (message.channel === WAKE_CHANNEL) {
      this.handlers.onWake(message.payload ?? "");
    } else {
      this.handlers.onJob();
    }
  }

  #lost(client: pg.Client, error: unknown): void {
    if (this.#stopped || (this.#client && this.#client !== client)) return;
    this.#client = undefined;
    client.removeAllListeners();
    client.on("error", () => {});
    void client.end().catch(() => {});
    if (this.#timer) return;
    this.logger.warn(
      { err: error, retry_in_ms: this.#retryMs },
      "lost the job notification connection; polling until it is back",
    );
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#connect();
    }, this.#retryMs);
    this.#timer.unref();
    this.#retryMs = Math.min(this.#retryMs * 2, LAST_RECONNECT_MS);
  }
}
