import type { z } from "zod";
import { fieldErrors } from "../validation/field-errors.ts";
import { HttpError } from "./http-error.ts";

/** Validates a request body or query; a 400 names each bad field. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
): z.output<S> {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new HttpError(400, "400 Bad request", fieldErrors(parsed.error));
  }
  return parsed.data;
}
