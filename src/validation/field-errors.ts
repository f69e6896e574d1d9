import type { z } from "zod";

/** zod's issues as GitLab's `errors` object: field path → messages. */
export function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const field = issue.path.length > 0 ? issue.path.join(".") : "base";
    errors[field] ??= [];
    errors[field].push(issue.message);
  }
  return errors;
}

/** One sentence listing the bad fields, for the `message`. */
export function describeFieldErrors(errors: Record<string, string[]>): string {
  return Object.entries(errors)
    .map(([field, messages]) => `${field} ${messages.join(", ")}`)
    .join("; ");
}
