import type { Clock } from "../../clock.ts";
import type { Db } from "../../store/database.ts";
import { redactor } from "./redact.ts";

export type TranscriptKind =
  | "prompt"
  | "model_call"
  | "model_retry"
  | "tool_call"
  | "stopped"
  | "finished";

// Kept per entry; a tool's full output is in the workspace anyway.
const MAX_TEXT_CHARS = 16 * 1024;

/**
 * Every model call and tool call of a run, written as it happens, so
 * that a run that crashes or is canceled still shows how far it got.
 * Known secrets are redacted before anything is stored.
 */
export class Transcript {
  readonly #db: Db;
  readonly #runId: number;
  readonly #now: Clock;
  readonly #redact: (value: unknown) => unknown;
  #attempt = 0;

  constructor(db: Db, runId: number, secrets: readonly string[], now: Clock) {
    this.#db = db;
    this.#runId = runId;
    this.#now = now;
    this.#redact = redactor(secrets).redact;
  }

  /** Numbers this execution after the run's earlier ones. */
  async begin(): Promise<void> {
    const { last } = await this.#db
      .selectFrom("run_transcript_entries")
      .select((eb) => eb.fn.max<number | null>("attempt").as("last"))
      .where("run_id", "=", this.#runId)
      .executeTakeFirstOrThrow();
    this.#attempt = (last ?? 0) + 1;
  }

  async record(
    kind: TranscriptKind,
    details: Record<string, unknown>,
    durationMs?: number,
  ): Promise<void> {
    const redacted = shortened(this.#redact(details));
    await this.#db
      .insertInto("run_transcript_entries")
      .values({
        run_id: this.#runId,
        attempt: this.#attempt,
        kind,
        at: this.#now().toISOString(),
        duration_ms: durationMs ?? null,
        details: JSON.stringify(redacted),
      })
      .execute();
  }
}

function shortened(value: unknown): unknown {
  if (typeof value === "string") {
    return value.length > MAX_TEXT_CHARS
      ? `${value.slice(0, MAX_TEXT_CHARS)}[…cut, ${value.length} characters]`
      : value;
  }
  if (Array.isArray(value)) return value.map(shortened);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, shortened(item)]),
    );
  }
  return value;
}
