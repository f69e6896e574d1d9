import { z } from "zod";

const KIBIBYTE = 1024;
export const MAX_CONTEXT_BYTES = 64 * KIBIBYTE;
const MAX_CONTEXT_DEPTH = 16;
const MAX_DESCRIPTION_CHARS = 256 * KIBIBYTE;

const httpUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an http(s) URL");

const context = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  if (depthOf(value) > MAX_CONTEXT_DEPTH) {
    ctx.addIssue({
      code: "custom",
      message: `is nested deeper than ${MAX_CONTEXT_DEPTH} levels`,
    });
    return;
  }
  if (Buffer.byteLength(JSON.stringify(value)) > MAX_CONTEXT_BYTES) {
    ctx.addIssue({ code: "custom", message: "is larger than 64 KiB" });
  }
  const criteria = value.acceptance_criteria;
  const valid =
    criteria === undefined ||
    typeof criteria === "string" ||
    (Array.isArray(criteria) && criteria.every((c) => typeof c === "string"));
  if (!valid) {
    ctx.addIssue({
      code: "custom",
      path: ["acceptance_criteria"],
      message: "must be a string or an array of strings",
    });
  }
});

/** The generic trigger body of DESIGN.md §4.1. */
export const genericPayload = z.object({
  workflow_type: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,63}$/, "is not a workflow type name")
    .optional(),
  title: z.string().trim().min(1, "can't be blank").max(255),
  description: z.string().max(MAX_DESCRIPTION_CHARS).optional(),
  external_reference: z
    .string()
    .regex(
      /^[A-Za-z0-9._\-#/:]{1,128}$/,
      "must be 1 to 128 letters, digits or ._-#/:",
    ),
  external_url: httpUrl.optional(),
  external_system: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1 to 64 letters, digits or ._-")
    .optional(),
  context: context.optional(),
});

export type GenericPayload = z.output<typeof genericPayload>;

/** Nesting depth without recursion, so hostile input cannot blow the stack. */
function depthOf(root: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (value === null || typeof value !== "object") continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_CONTEXT_DEPTH) return deepest;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return deepest;
}
