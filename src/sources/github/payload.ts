import { z } from "zod";

// Only the parts Flowgate reads; GitHub sends many more, which are kept
// out. Shapes from GitHub's `issues` and `issue_comment` webhook events.

const user = z.object({ login: z.string().max(255) });

const label = z.object({ name: z.string().max(255) });

const issue = z.object({
  number: z.number().int().positive(),
  title: z.string().max(100_000),
  body: z.string().nullish(),
  html_url: z.string().max(2048),
  state: z.string().max(64).optional(),
  labels: z.array(label).max(1000).optional(),
  assignees: z.array(user).max(100).nullish(),
  user: user.nullish(),
  pull_request: z.unknown().optional(),
});

export const githubPayload = z.object({
  action: z.string().max(64),
  issue,
  comment: z
    .object({
      id: z.number().int(),
      body: z.string().nullish(),
      user: user.nullish(),
    })
    .optional(),
  label: label.optional(),
  repository: z.object({
    full_name: z
      .string()
      .regex(/^[\w.-]{1,100}\/[\w.-]{1,100}$/, "must be owner/name"),
  }),
  sender: user.nullish(),
});

export type GithubPayload = z.output<typeof githubPayload>;
