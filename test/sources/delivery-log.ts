import { expect } from "vitest";
import type { ProviderServer } from "./provider-server.ts";

// Both a retry of the same delivery and a new delivery for a ticket whose
// run is still queued answer 200 with that run and `duplicate: true`; only
// the delivery log tells them apart, so the deduplication tests read it.

/** The newest delivery of the trigger repeated one received before. */
export async function expectRecordedAsRetry(
  fg: ProviderServer,
  triggerId: number,
  runId: number,
): Promise<{ delivery_key: string }> {
  const logged = await fg.lastDelivery(triggerId, "duplicate");
  expect(logged).toMatchObject({
    outcome: "duplicate",
    reason: "the same delivery was received before",
    run_id: runId,
  });
  return logged;
}

/** The newest delivery of the trigger was new, and joined the active run
 * of its ticket: its delivery id was not taken for a retry's. */
export async function expectRecordedAsJoining(
  fg: ProviderServer,
  triggerId: number,
  runId: number,
): Promise<{ delivery_key: string }> {
  const logged = await fg.lastDelivery(triggerId, "duplicate");
  expect(logged).toMatchObject({
    outcome: "duplicate",
    reason: `joined run ${runId}, already active for this ticket`,
    run_id: runId,
  });
  return logged;
}
