/**
 * Why a delivery was not accepted, as the sender will see it. Thrown by
 * any ingress step; the route turns it into the answer. `check` names the
 * step that refused, for the delivery log and the metrics.
 */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly check: string,
    readonly extra: {
      errors?: Record<string, string[]>;
      headers?: Record<string, string>;
      /** The trigger the delivery was for, when known before the refusal. */
      triggerId?: number;
    } = {},
  ) {
    super(message);
    this.name = "Refusal";
  }
}

/** The one 401 message, so that no answer tells which secret exists. */
export const UNAUTHORIZED = "401 Unauthorized";
