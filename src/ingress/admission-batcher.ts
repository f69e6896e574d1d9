import type { Logger } from "pino";
import type { Clock } from "../clock.ts";
import type { Admission, AdmissionResult } from "./admit-delivery.ts";
import type { CommitAdmissions } from "./commit-admissions.ts";

const MAX_BATCH = 256;

interface Pending {
  admission: Admission;
  resolve: (result: AdmissionResult) => void;
  reject: (error: Error) => void;
}

/**
 * Group commit: deliveries that arrive while a commit is on its way to
 * disk wait and are committed together in the next transaction. Each
 * still gets its answer only after its own rows are durable, but many
 * share one fsync, which is what makes durable ingest fast.
 */
export class AdmissionBatcher {
  readonly #pending: Pending[] = [];
  #flushing = false;

  constructor(
    private readonly commit: CommitAdmissions,
    private readonly now: Clock,
    private readonly logger: Logger,
    /** Called after each commit that queued new jobs. */
    private readonly onCommitted: () => void,
  ) {}

  submit(admission: Admission): Promise<AdmissionResult> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ admission, resolve, reject });
      if (!this.#flushing) {
        this.#flushing = true;
        // Let every request already read in this turn of the loop join.
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, MAX_BATCH);
      try {
        const results = await this.#commit(
          batch.map((entry) => entry.admission),
        );
        for (const [index, entry] of batch.entries()) {
          entry.resolve(results[index] as AdmissionResult);
        }
      } catch (error) {
        await this.#commitOneByOne(batch, error);
      }
      this.onCommitted();
    }
    this.#flushing = false;
  }

  #commit(admissions: Admission[]): Promise<AdmissionResult[]> {
    return this.commit(admissions, this.now());
  }

  /** One bad delivery must not fail its neighbours: retry each alone. */
  async #commitOneByOne(batch: Pending[], batchError: unknown): Promise<void> {
    if (batch.length > 1) {
      this.logger.warn(
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
