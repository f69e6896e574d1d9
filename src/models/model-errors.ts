/**
 * A model call that failed. Messages name the model kind and the endpoint
 * (without credentials or query), never the key.
 */
export class ModelError extends Error {
  readonly endpoint: string;
  /** Worth another attempt: a 429, a 5xx, a lost connection, a timeout. */
  readonly transient: boolean;

  constructor(
    message: string,
    endpoint: string,
    transient: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ModelError";
    this.endpoint = endpoint;
    this.transient = transient;
  }
}

/** The model server answered with an error status. */
export class ModelHttpError extends ModelError {
  readonly status: number;
  /** From Retry-After or retry-after-ms, when the server said. */
  readonly retryAfterMs: number | undefined;

  constructor(
    endpoint: string,
    status: number,
    detail: string,
    retryAfterMs: number | undefined,
    options?: ErrorOptions,
  ) {
    super(
      `POST ${endpoint} answered ${status}${detail ? `: ${detail}` : ""}`,
      endpoint,
      status === 408 || status === 429 || status >= 500,
      options,
    );
    this.name = "ModelHttpError";
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

/** No answer: the connection failed, or the answer broke off. */
export class ModelNetworkError extends ModelError {
  constructor(endpoint: string, detail: string, options?: ErrorOptions) {
    super(`POST ${endpoint} failed: ${detail}`, endpoint, true, options);
    this.name = "ModelNetworkError";
  }
}

/** One call took longer than the model timeout. */
export class ModelTimeoutError extends ModelError {
  constructor(endpoint: string, timeoutMs: number, options?: ErrorOptions) {
    super(
      `POST ${endpoint} did not answer within ${timeoutMs} ms`,
      endpoint,
      true,
      options,
    );
    this.name = "ModelTimeoutError";
  }
}

/** The model's settings cannot make a call (no name, refused address). */
export class ModelSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelSettingsError";
  }
}
