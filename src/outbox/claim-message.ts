import { sql } from "kysely";
import type { Db } from "../store/database.ts";
import type { OutboxRow } from "./outbox-message.ts";

const CANDIDATES = 16;

export interface ClaimOptions {
  dispatcherId: string;
  now: Date;
  leaseMs: number;
  /** Messages this dispatcher already holds, skipped in the scan. */
  holding: ReadonlySet<number>;
}

/**
 * Takes the oldest due message whose run has no earlier message still
 * pending, with a lease. The claim is one conditional update, so two
 * dispatchers (in one process or many) never hold one message: the one
 * whose update changed no row looks at the next candidate.
 */
export async function claimMessage(
  db: Db,
  options: ClaimOptions,
): Promise<OutboxRow | undefined> {
  const now = options.now.toISOString();
  const candidates = await db
    .selectFrom("outbox_messages as m")
    .select("m.id")
    .where("m.status", "=", "pending")
    .where("m.next_attempt_at", "<=", now)
    .where((eb) =>
      eb.or([eb("m.locked_until", "is", null), eb("m.locked_until", "<", now)]),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("outbox_messages as earlier")
            .select(sql.lit(1).as("one"))
            .whereRef("earlier.run_id", "=", "m.run_id")
            .whereRef("earlier.id", "<", "m.id")
            .where("earlier.status", "=", "pending"),
        ),
      ),
    )
    .orderBy("m.next_attempt_at")
    .orderBy("m.id")
    .limit(CANDIDATES + options.holding.size)
    .execute();

  const lockedUntil = new Date(
    options.now.getTime() + options.leaseMs,
  ).toISOString();
  for (const { id } of candidates) {
    if (options.holding.has(id)) continue;
    const claimed = await db
      .updateTable("outbox_messages")
      .set((eb) => ({
        locked_by: options.dispatcherId,
        locked_until: lockedUntil,
        attempts: eb("attempts", "+", 1),
        updated_at: now,
      }))
      .where("id", "=", id)
      .where("status", "=", "pending")
      .where((eb) =>
        eb.or([eb("locked_until", "is", null), eb("locked_until", "<", now)]),
      )
      .returningAll()
      .executeTakeFirst();
    if (claimed) return claimed;
  }
  return undefined;
}
