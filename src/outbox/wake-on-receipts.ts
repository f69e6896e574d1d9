import type { CommitAdmissions } from "../ingress/commit-admissions.ts";

/**
 * The admission commit, calling `wake` after a batch that wrote "on it"
 * messages, so the dispatcher sends them now rather than at its next
 * poll. Batches without one (most, under load) wake nothing.
 */
export function wakeOnReceipts(
  commit: CommitAdmissions,
  wake: () => void,
): CommitAdmissions {
  return async (admissions, at) => {
    const results = await commit(admissions, at);
    const reported = results.some(
      (result, index) =>
        result.kind === "accepted" &&
        admissions[index]?.reportReceipt !== undefined,
    );
    if (reported) wake();
    return results;
  };
}
