import type { z } from "zod";
import { Refusal } from "../ingress/refusal.ts";
import {
  describeFieldErrors,
  fieldErrors,
} from "../validation/field-errors.ts";

/** Checks a provider's payload against the parts a source reads; a
 * mismatch is a 400 naming each bad field by its path in the payload. */
export function parsePayload<Schema extends z.ZodType>(
  schema: Schema,
  body: unknown,
): z.output<Schema> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const errors = fieldErrors(parsed.error);
  throw new Refusal(
    400,
    `400 Bad request - ${describeFieldErrors(errors)}`,
    "schema",
    { errors },
  );
}
