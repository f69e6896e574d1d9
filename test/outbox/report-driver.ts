import { expect } from "vitest";
import { OutboundError } from "../../src/outbound/outbound-errors.ts";
import type { OutboundHttp } from "../../src/outbound/outbound-http.ts";
import type { Reporter, ReportOutcome } from "../../src/outbox/reporter.ts";
import type { RunReport } from "../../src/outbox/run-report.ts";
import type { SyncEvent } from "../../src/outbox/sync-event.ts";
import {
  type SyncInput,
  syncSettings,
} from "../../src/outbox/sync-settings.ts";

export const RUN_URL =
  "https://flowgate.example/api/v4/projects/1/workflows/runs/7";
export const MR_URL = "https://gitlab.example/acme/shop/-/merge_requests/12";
export const FAILURE = "The checks failed: 2 tests broke in login_form";

/** The run as each event of a succeeded or failed run reports it. */
export function runReport(
  event: SyncEvent,
  externalReference: string,
  overrides: Partial<RunReport> = {},
): RunReport {
  const opened = event !== "started" && event !== "failed";
  return {
    event,
    runId: 7,
    runUrl: RUN_URL,
    status: statusAt(event),
    externalSystem: "tracker",
    externalReference,
    externalUrl: null,
    branch: "ai/fix_login-form",
    mergeRequest: opened ? { iid: 12, webUrl: MR_URL } : null,
    error: event === "failed" ? FAILURE : null,
    at: "2026-12-04T10:00:00.000Z",
    ...overrides,
  };
}

function statusAt(event: SyncEvent): string {
  if (event === "failed") return "failed";
  if (event === "succeeded" || event === "merged") return "succeeded";
  return "running";
}

export interface Driver {
  /** The run's state, as the dispatcher keeps it between messages. */
  state: Record<string, string>;
  /** What each failed attempt threw, in order. */
  errors: OutboundError[];
  /**
   * Sends the event's messages in order; a message that throws is sent
   * again with the same state, up to `attempts` times in all.
   */
  send(
    event: SyncEvent,
    options?: { attempts?: number; report?: Partial<RunReport> },
  ): Promise<ReportOutcome[]>;
}

export function driver(
  reporter: Reporter,
  context: {
    http: OutboundHttp;
    credentials: Record<string, string>;
    sync?: SyncInput;
    externalReference: string;
  },
): Driver {
  const sync = syncSettings(context.sync ?? {});
  const self: Driver = {
    state: {},
    errors: [],
    async send(event, options = {}) {
      const report = runReport(event, context.externalReference, {
        ...options.report,
      });
      const outcomes: ReportOutcome[] = [];
      for (const action of reporter.actions(event, sync)) {
        for (let attempt = 1; ; attempt += 1) {
          try {
            const outcome = await reporter.deliver({
              action,
              messageId: outcomes.length + 1,
              attempt,
              report,
              sync,
              credentials: context.credentials,
              replyTo: {},
              state: { ...self.state },
              http: context.http,
              signal: AbortSignal.timeout(10_000),
            });
            Object.assign(self.state, outcome.state);
            outcomes.push(outcome);
            break;
          } catch (error) {
            if (!(error instanceof OutboundError)) throw error;
            self.errors.push(error);
            if (attempt >= (options.attempts ?? 1)) throw error;
          }
        }
      }
      return outcomes;
    },
  };
  return self;
}

/** The OutboundError the promise rejects with. */
export async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(OutboundError);
  return error as OutboundError;
}
