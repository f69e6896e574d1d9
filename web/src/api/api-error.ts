/** An admin API answer other than 2xx, carrying the server's message. */
export class ApiError extends Error {
  readonly status: number;
  readonly fieldErrors: Record<string, string[]>;

  constructor(
    status: number,
    message: string,
    fieldErrors: Record<string, string[]> = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.fieldErrors = fieldErrors;
  }
}

/** The sentence to show for any failure of a call. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = Object.entries(error.fieldErrors).map(
      ([field, problems]) => `${field}: ${problems.join(", ")}`,
    );
    return [error.message, ...fields].join("; ");
  }
  if (error instanceof Error) {
    return `The request failed: ${error.message}. Check that Flowgate is running and reload.`;
  }
  return "The request failed for an unknown reason; reload the page.";
}
