import type { Logger } from "pino";
import type { Clock } from "../clock.ts";
import { isConnectionError } from "../store/dialect.ts";
import type { Admission, AdmissionResult } from "./admit-delivery.ts";
import type { CommitAdmissions } from "./commit-admissions.ts";

const MAX_BATCH = 256;

interface Pending {
  admission: Admission;
  resolve: (result: AdmissionResult) => void;
  reject: (error: Error) => void;
}

export interface BatcherOptions {
  commit: CommitAdmissions;
  now: Clock;
  logger: Logger;
  /** Commits that may be on their way at once: 1 for SQLite, whose
   * writes are serial anyway; a few for PostgreSQL's pool. */
  maxConcurrentCommits: number;
  /** Called after each commit that may have queued new jobs. */
  onCommitted: () => void;
}

/**
 * Group commit: deliveries that arrive while a commit is on its way to
 * disk wait and are committed together in the next transaction. Each
 * still gets its answer only after its own rows are durable, but many
 * share one fsync, which is what makes durable ingest fast.
 */
export class AdmissionBatcher {
  readonly #pending: Pending[] = [];
  readonly #options: BatcherOptions;
  #scheduled = false;
  #inFlight = 0;

  constructor(options: BatcherOptions) {
    this.#options = options;
  }

  submit(admission: Admission): Promise<AdmissionResult> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ admission, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // Let every request already read in this turn of the loop join.
        setImmediate(() => {
          this.#scheduled = false;
          this.#drain();
        });
      }
    });
  }

  #drain(): void {
    while (
      this.#pending.length > 0 &&
      this.#inFlight < this.#options.maxConcurrentCommits
    ) {
      const batch = this.#pending.splice(0, MAX_BATCH);
      this.#inFlight += 1;
      void this.#commitBatch(batch).finally(() => {
        this.#inFlight -= 1;
        this.#options.onCommitted();
        this.#drain();
      });
    }
  }

  /** Settles every entry of the batch; never rejects. */
  async #commitBatch(batch: Pending[]): Promise<void> {
    try {
      const results = await this.#commit(batch.map((entry) => entry.admission));
      for (const [index, entry] of batch.entries()) {
        entry.resolve(results[index] as AdmissionResult);
      }
    } catch (error) {
      if (isConnectionError(error)) {
        // The database is out of reach: retrying each delivery alone
        // would only make every sender wait longer for its 503.
        const failure = new Error("committing deliveries failed", {
          cause: error,
        });
        for (const entry of batch) entry.reject(failure);
        return;
      }
      await this.#commitOneByOne(batch, error);
    }
  }

  #commit(admissions: Admission[]): Promise<AdmissionResult[]> {
    return this.#options.commit(admissions, this.#options.now());
  }

  /** One bad delivery must not fail its neighbours: retry each alone. */
  async #commitOneByOne(batch: Pending[], batchError: unknown): Promise<void> {
    if (batch.length > 1) {
      this.#options.logger.warn(
        { err: batchError, size: batch.length },
        "group commit failed; committing its deliveries one by one",
      );
    }
    for (const entry of batch) {
      try {
        const [result] = await this.#commit([entry.admission]);
        entry.resolve(result as AdmissionResult);
      } catch (error) {
        entry.reject(
          new Error("committing a delivery failed", { cause: error }),
        );
      }
    }
  }
}
