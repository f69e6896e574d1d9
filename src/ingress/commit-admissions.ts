import type { Db } from "../store/database.ts";
import {
  type Admission,
  type AdmissionResult,
  admitDelivery,
} from "./admit-delivery.ts";

/** Commits a batch of admissions in one transaction; results in order. */
export type CommitAdmissions = (
  admissions: readonly Admission[],
  at: Date,
) => Promise<AdmissionResult[]>;

/** Commits through `db` in the calling thread. */
export function commitInProcess(db: Db): CommitAdmissions {
  return (admissions, at) =>
    db.transaction().execute(async (trx) => {
      const results: AdmissionResult[] = [];
      for (const admission of admissions) {
        results.push(await admitDelivery(trx, admission, at));
      }
      return results;
    });
}
