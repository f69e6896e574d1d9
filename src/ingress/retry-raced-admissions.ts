import { isUniqueViolation } from "../store/dialect.ts";
import { FIRST_DELIVERY_OF_KEY } from "../store/migrations/008-first-delivery-of-key.ts";
import type { CommitAdmissions } from "./commit-admissions.ts";

// Each failed attempt lost to a commit that claimed a key first; the
// next attempt finds that commit's deliveries and calls its copies
// duplicates. Only a new race on another key can fail it again.
const MAX_ATTEMPTS = 3;

/**
 * Commits a batch again when the database refused it because another
 * process (or another commit of this one) stored one of its deliveries
 * meanwhile: the same delivery sent to two API processes at once. The
 * failed attempt was rolled back whole, its run, follow-up and audit
 * event included, so the copy is recorded once, as a duplicate of the
 * delivery that won. The common path pays nothing: the unique index
 * decides inside the insert that every batch makes anyway.
 */
export function retryingRacedAdmissions(
  commit: CommitAdmissions,
): CommitAdmissions {
  return async (admissions, at) => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await commit(admissions, at);
      } catch (error) {
        const raced = isUniqueViolation(error, FIRST_DELIVERY_OF_KEY);
        if (!raced || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  };
}
