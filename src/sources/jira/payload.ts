import { z } from "zod";

// The parts of Jira's webhook payloads Flowgate reads (Cloud and Data
// Center alike); everything else is left out.

// Parsed, not just matched: the ticket's URL is built from its origin,
// and a host with a port over 65535 matches any pattern but no parser.
const httpUrl = z
  .string()
  .max(2048)
  .refine(
    (value) =>
      /^https?:\/\//i.test(value) &&
      URL.canParse(value) &&
      /^https?:$/.test(new URL(value).protocol),
    "must be an http(s) URL",
  );

export const jiraUser = z
  .object({
    accountId: z.string().max(255).optional(),
    name: z.string().max(255).optional(),
    key: z.string().max(255).optional(),
    displayName: z.string().max(255).optional(),
    emailAddress: z.string().max(255).optional(),
  })
  .nullish();

/** Wiki text, or an Atlassian Document Format document. */
const richText = z.union([z.string(), z.record(z.string(), z.unknown())]);

const fields = z
  .object({
    summary: z.string().max(100_000),
    description: richText.nullish(),
    priority: z.object({ name: z.string().max(255) }).nullish(),
    labels: z.array(z.string().max(255)).max(1000).nullish(),
    assignee: jiraUser,
    reporter: jiraUser,
    status: z
      .object({
        name: z.string().max(255),
        statusCategory: z.object({ key: z.string().max(64) }).nullish(),
      })
      .nullish(),
  })
  // Custom fields (acceptance criteria among them) are site-specific.
  .catchall(z.unknown());

export const jiraIssue = z.object({
  key: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,99}-\d{1,18}$/, "must be an issue key"),
  self: httpUrl,
  fields,
});

const changelogItem = z.object({
  field: z.string().max(255),
  fromString: z.string().max(100_000).nullish(),
  toString: z.string().max(100_000).nullish(),
});

export const jiraPayload = z.object({
  webhookEvent: z.string().max(128).optional(),
  issue_event_type_name: z.string().max(128).optional(),
  user: jiraUser,
  issue: jiraIssue.optional(),
  changelog: z.object({ items: z.array(changelogItem).max(1000) }).nullish(),
  comment: z
    .object({
      id: z.union([z.string().max(64), z.number()]),
      body: richText.nullish(),
      author: jiraUser,
    })
    .optional(),
});

export type JiraPayload = z.output<typeof jiraPayload>;
export type JiraIssue = z.output<typeof jiraIssue>;
export type JiraUser = z.output<typeof jiraUser>;
