import pg from "pg";
import type { Logger } from "pino";
import { JOB_CHANNEL } from "../store/dialect.ts";

const SECOND_MS = 1000;
const FIRST_RECONNECT_MS = 1 * SECOND_MS;
const LAST_RECONNECT_MS = 30 * SECOND_MS;

/**
 * Wakes this process's worker when any process queues a job on
 * PostgreSQL (LISTEN on the channel the jobs table notifies). It holds a
 * connection of its own, outside the pool, for as long as it listens.
 * When the connection drops it reconnects with backoff and wakes the
 * worker once, for what it may have missed; the worker's poll covers
 * the time in between.
 */
export class JobListener {
  #client: pg.Client | undefined;
  #stopped = false;
  #retryMs = FIRST_RECONNECT_MS;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly onJob: () => void,
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
    client.on("notification", () => this.onJob());
    client.on("error", (error) => this.#lost(client, error));
    client.on("end", () => this.#lost(client, undefined));
    try {
      await client.connect();
      await client.query(`listen ${JOB_CHANNEL}`);
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
    this.logger.debug({ channel: JOB_CHANNEL }, "listening for new jobs");
    this.onJob();
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
