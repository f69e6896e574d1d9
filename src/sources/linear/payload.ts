import { z } from "zod";

// Linear's data-change webhook envelope and the Issue and Comment data
// Flowgate reads; the rest is left out.

const id = z.string().max(255);

export const linearEnvelope = z.object({
  action: z.string().max(32),
  type: z.string().max(64),
  actor: z
    .object({
      id: id.optional(),
      name: z.string().max(255).optional(),
      email: z.string().max(255).optional(),
    })
    .nullish(),
  url: z.string().max(2048).nullish(),
  updatedFrom: z.record(z.string(), z.unknown()).nullish(),
  data: z.record(z.string(), z.unknown()),
});

export const linearIssue = z.object({
  id,
  identifier: z.string().max(128).optional(),
  number: z.number().int().nonnegative().optional(),
  team: z.object({ key: z.string().max(64) }).nullish(),
  title: z.string().max(100_000),
  description: z.string().nullish(),
  url: z.string().max(2048).nullish(),
  priorityLabel: z.string().max(64).nullish(),
  labels: z
    .array(z.object({ id: id.optional(), name: z.string().max(255) }))
    .max(1000)
    .nullish(),
  labelIds: z.array(id).max(1000).nullish(),
  assignee: z
    .object({
      name: z.string().max(255).optional(),
      email: z.string().max(255).optional(),
    })
    .nullish(),
  creator: z.object({ name: z.string().max(255).optional() }).nullish(),
  state: z
    .object({ name: z.string().max(255), type: z.string().max(64).optional() })
    .nullish(),
});

export const linearComment = z.object({
  id,
  body: z.string().max(1_000_000),
  userId: id.nullish(),
  user: z
    .object({ id: id.optional(), name: z.string().max(255).optional() })
    .nullish(),
  // Absent on comments that are not on an issue (project updates…).
  issue: z
    .object({
      id,
      identifier: z.string().max(128).optional(),
      team: z.object({ key: z.string().max(64) }).nullish(),
      title: z.string().max(100_000),
      url: z.string().max(2048).nullish(),
    })
    .nullish(),
});

export type LinearEnvelope = z.output<typeof linearEnvelope>;
export type LinearIssue = z.output<typeof linearIssue>;
export type LinearComment = z.output<typeof linearComment>;
