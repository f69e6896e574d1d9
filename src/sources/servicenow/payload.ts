import { z } from "zod";

/**
 * The body docs/providers/servicenow.md recommends for the business
 * rule's outbound REST message. ServiceNow has no webhook format of its
 * own: the script builds whatever it sends.
 */
export const servicenowPayload = z.object({
  event: z.enum(["insert", "update", "delete"]).optional(),
  table: z.string().regex(/^[a-z][a-z0-9_]{0,79}$/, "must be a table name"),
  sys_id: z.string().regex(/^[0-9a-f]{32}$/i, "must be a 32-digit sys_id"),
  number: z.string().max(128),
  short_description: z.string().max(100_000),
  description: z.string().nullish(),
  acceptance_criteria: z.union([z.string(), z.array(z.string())]).nullish(),
  priority: z.string().max(255).nullish(),
  assigned_to: z.string().max(255).nullish(),
  opened_by: z.string().max(255).nullish(),
  state: z.string().max(255).nullish(),
  previous_state: z.string().max(255).nullish(),
  labels: z.array(z.string().max(255)).max(1000).nullish(),
  comment: z.string().max(1_000_000).nullish(),
  comment_author: z.string().max(255).nullish(),
  sys_updated_on: z.string().max(64).nullish(),
  sys_updated_by: z.string().max(255).nullish(),
  instance_url: z
    .string()
    .max(2048)
    .regex(/^https?:\/\/[^\s/?#]+\/?$/i, "must be the instance's base URL")
    .nullish(),
});

export type ServicenowPayload = z.output<typeof servicenowPayload>;
