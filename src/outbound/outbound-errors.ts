/**
 * What can go wrong with a call Flowgate makes to an address it was
 * given. Each message names the method and the URL without its query
 * (where tokens hide), never a credential.
 */
export class OutboundError extends Error {
  /** True when the same call may succeed later (5xx, 429, a timeout). */
  readonly transient: boolean;
  /** How long the server asked us to wait, when it said. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    transient: boolean,
    options?: ErrorOptions & { retryAfterMs?: number | undefined },
  ) {
    super(message, options);
    this.name = "OutboundError";
    this.transient = transient;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** Refused before sending: a private address, a scheme or a host that
 * the outbound policy does not allow. Retrying cannot mend it. */
export class OutboundRefusedError extends OutboundError {
  constructor(message: string) {
    super(message, false);
    this.name = "OutboundRefusedError";
  }
}

/** The server answered with a status that is not a success. */
export class OutboundStatusError extends OutboundError {
  readonly status: number;
  /** The first part of the answer's body, for the operator. */
  readonly bodyPreview: string;
  /** The answer's headers, lower-case names (rate-limit headers, say). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    message: string,
    status: number,
    bodyPreview: string,
    retryAfterMs: number | undefined,
    headers: Readonly<Record<string, string>> = {},
  ) {
    super(message, status === 429 || status === 408 || status >= 500, {
      retryAfterMs,
    });
    this.name = "OutboundStatusError";
    this.status = status;
    this.bodyPreview = bodyPreview;
    this.headers = headers;
  }
}

/** No answer: refused or reset connection, DNS failure, time-out. */
export class OutboundNetworkError extends OutboundError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, true, options);
    this.name = "OutboundNetworkError";
  }
}
