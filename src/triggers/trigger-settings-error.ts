/** A trigger setting that is valid alone but not with the others. */
export class TriggerSettingsError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "TriggerSettingsError";
  }
}
