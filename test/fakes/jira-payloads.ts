// Jira Cloud webhook deliveries shaped as Atlassian documents them for
// admin webhooks: `webhookEvent`, `issue_event_type_name`, `user`,
// `issue` (REST shape), `changelog`, `comment`. Written for these tests.

const SITE = "https://acme.atlassian.net";

export interface IssueOptions {
  key: string;
  summary?: string;
  /** Wiki text, an ADF document, or null. */
  description?: unknown;
  labels?: string[];
  status?: string;
  statusCategory?: "new" | "indeterminate" | "done";
  fields?: Record<string, unknown>;
}

export const reporter: JiraTestUser = {
  self: `${SITE}/rest/api/2/user?accountId=5b10a2844c20165700ede21g`,
  accountId: "5b10a2844c20165700ede21g",
  displayName: "Mia Krystof",
  active: true,
  timeZone: "Europe/Berlin",
  accountType: "atlassian",
};

export type JiraTestUser = {
  self: string;
  accountId: string;
  displayName: string;
  active: boolean;
  accountType: string;
  timeZone?: string;
};

export const botUser: JiraTestUser = {
  self: `${SITE}/rest/api/2/user?accountId=712020:flowgate-bot`,
  accountId: "712020:flowgate-bot",
  displayName: "Flowgate",
  active: true,
  accountType: "app",
};

export function jiraIssue(options: IssueOptions) {
  const id = String(10_000 + Number(options.key.split("-")[1] ?? 0));
  return {
    id,
    self: `${SITE}/rest/api/2/issue/${id}`,
    key: options.key,
    fields: {
      issuetype: { id: "10001", name: "Story", subtask: false },
      project: { id: "10000", key: options.key.split("-")[0], name: "Shop" },
      summary: options.summary ?? `Summary of ${options.key}`,
      ...(options.description === undefined
        ? {}
        : { description: options.description }),
      priority: { id: "2", name: "High" },
      labels: options.labels ?? [],
      assignee: null,
      reporter,
      creator: reporter,
      status: {
        self: `${SITE}/rest/api/2/status/3`,
        name: options.status ?? "To Do",
        id: "3",
        statusCategory: {
          id: 2,
          key: options.statusCategory ?? "new",
          name: "To Do",
        },
      },
      created: "2026-12-03T10:00:00.000+0000",
      updated: "2026-12-03T10:05:00.000+0000",
      ...options.fields,
    },
  };
}

export function issueCreated(options: IssueOptions, user = reporter) {
  return {
    timestamp: Date.now(),
    webhookEvent: "jira:issue_created",
    issue_event_type_name: "issue_created",
    user,
    issue: jiraIssue(options),
  };
}

export interface ChangeItem {
  field: string;
  fromString: string | null;
  toString: string | null;
}

export function issueUpdated(
  options: IssueOptions,
  items: ChangeItem[],
  type = "issue_generic",
  user = reporter,
) {
  return {
    timestamp: Date.now(),
    webhookEvent: "jira:issue_updated",
    issue_event_type_name: type,
    user,
    issue: jiraIssue(options),
    changelog: {
      id: "10400",
      items: items.map((item) => ({
        fieldtype: "jira",
        fieldId: item.field,
        from: null,
        to: null,
        ...item,
      })),
    },
  };
}

export function commentCreated(
  options: IssueOptions,
  body: unknown,
  commentId: string,
  author = reporter,
) {
  return {
    timestamp: Date.now(),
    webhookEvent: "comment_created",
    comment: {
      self: `${SITE}/rest/api/2/issue/10001/comment/${commentId}`,
      id: commentId,
      author,
      body,
      updateAuthor: author,
      created: "2026-12-03T10:10:00.000+0000",
      updated: "2026-12-03T10:10:00.000+0000",
      jsdPublic: true,
    },
    issue: jiraIssue(options),
  };
}

export function issueDeleted(options: IssueOptions) {
  return {
    timestamp: Date.now(),
    webhookEvent: "jira:issue_deleted",
    user: reporter,
    issue: jiraIssue(options),
  };
}

/** A small Atlassian Document Format document. */
export function adf(...content: unknown[]) {
  return { type: "doc", version: 1, content };
}

export const paragraph = (...content: unknown[]) => ({
  type: "paragraph",
  content,
});
export const text = (value: string, marks?: unknown[]) => ({
  type: "text",
  text: value,
  ...(marks ? { marks } : {}),
});
export const heading = (level: number, value: string) => ({
  type: "heading",
  attrs: { level },
  content: [text(value)],
});
export const bulletList = (...items: string[]) => ({
  type: "bulletList",
  content: items.map((item) => ({
    type: "listItem",
    content: [paragraph(text(item))],
  })),
});
export const mention = (id: string, shown: string) => ({
  type: "mention",
  attrs: { id, text: shown, accessLevel: "" },
});
