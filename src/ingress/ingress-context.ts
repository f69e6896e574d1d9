import type { Logger } from "pino";
import type { Clock } from "../clock.ts";
import type { SecretBox } from "../crypto/secret-box.ts";
import type { Db } from "../store/database.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import type { AdmissionBatcher } from "./admission-batcher.ts";
import type { LookupCache } from "./lookup-cache.ts";
import type { AuthFailureLimits, TriggerRateLimits } from "./rate-limits.ts";
import type { RefusalLog } from "./refusal-log.ts";

/** What the way in needs, built once per process. */
export interface IngressContext {
  db: Db;
  secretBox: SecretBox;
  batcher: AdmissionBatcher;
  refusals: RefusalLog;
  lookups: LookupCache;
  triggerLimits: TriggerRateLimits;
  authFailures: AuthFailureLimits;
  metrics: Metrics;
  logger: Logger;
  publicUrl: string;
  now: Clock;
  /** Stops a canceled run's work in this process, if it runs here. */
  abortRun(runId: number): void;
}
