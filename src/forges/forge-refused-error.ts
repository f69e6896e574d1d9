/**
 * The forge refused a change for a reason a retry meets again (GitLab's
 * 422 on a merge request's fields): the run fails at once, with the
 * forge's words and what to check.
 */
export class ForgeRefusedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ForgeRefusedError";
  }
}
