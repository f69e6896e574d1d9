import type { Admission, AdmissionResult } from "./admit-delivery.ts";

/** Commits a batch of admissions in one transaction; results in order. */
export type CommitAdmissions = (
  admissions: readonly Admission[],
  at: Date,
) => Promise<AdmissionResult[]>;
