export type ForgeConflictReason =
  | "not_open"
  | "merge_conflict"
  | "branch_missing"
  | "target_moved";

/** The forge refused a change because of the state it is in. */
export class ForgeConflictError extends Error {
  readonly reason: ForgeConflictReason;

  constructor(
    message: string,
    reason: ForgeConflictReason,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ForgeConflictError";
    this.reason = reason;
  }
}
