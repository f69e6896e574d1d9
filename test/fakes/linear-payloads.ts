// Linear data-change webhook deliveries (Issue and Comment), shaped as
// Linear documents them: action, type, actor, createdAt, data, url,
// updatedFrom, webhookTimestamp, webhookId, organizationId. Written for
// these tests.

export const linearUser = {
  id: "2c3d4e5f-0000-4000-8000-00000000a11c",
  name: "Alice Nguyen",
  email: "alice@acme.test",
  type: "user",
};
export const linearBot = {
  id: "9f9f9f9f-0000-4000-8000-00000000b07b",
  name: "Flowgate",
  type: "OauthClient",
};

export const labels = {
  flowgate: { id: "lbl-flowgate", name: "flowgate", color: "#5e6ad2" },
  bug: { id: "lbl-bug", name: "Bug", color: "#eb5757" },
};

export interface LinearIssueOptions {
  number: number;
  title?: string;
  description?: string | null;
  labels?: (typeof labels)[keyof typeof labels][];
  state?: { id: string; name: string; type: string };
  identifier?: boolean;
}

export function linearIssue(options: LinearIssueOptions) {
  const identifier = `ENG-${options.number}`;
  const issueLabels = options.labels ?? [];
  return {
    id: `issue-${options.number}`,
    createdAt: "2026-12-03T10:00:00.000Z",
    updatedAt: "2026-12-03T10:00:00.000Z",
    number: options.number,
    title: options.title ?? `Issue ${options.number}`,
    ...(options.description === undefined
      ? { description: "Details" }
      : options.description === null
        ? {}
        : { description: options.description }),
    priority: 2,
    priorityLabel: "High",
    ...(options.identifier === false ? {} : { identifier }),
    url: `https://linear.app/acme/issue/${identifier}/issue-${options.number}`,
    teamId: "team-eng",
    team: { id: "team-eng", key: "ENG", name: "Engineering" },
    stateId: options.state?.id ?? "state-todo",
    state: options.state ?? {
      id: "state-todo",
      name: "Todo",
      type: "unstarted",
    },
    labelIds: issueLabels.map((label) => label.id),
    labels: issueLabels,
    assignee: {
      id: linearUser.id,
      name: linearUser.name,
      email: linearUser.email,
    },
    creator: { id: linearUser.id, name: linearUser.name },
  };
}

export function linearEvent(
  action: "create" | "update" | "remove",
  type: "Issue" | "Comment",
  data: Record<string, unknown>,
  extra: Record<string, unknown> = {},
  actor: Record<string, unknown> = linearUser,
) {
  return {
    action,
    type,
    actor,
    createdAt: new Date().toISOString(),
    data,
    url: typeof data.url === "string" ? data.url : "https://linear.app/acme",
    webhookId: "webhook-1",
    webhookTimestamp: Date.now(),
    organizationId: "org-acme",
    ...extra,
  };
}

export function linearComment(number: number, body: string, user = linearUser) {
  return {
    id: crypto.randomUUID(),
    createdAt: new Date().toISOString(),
    body,
    issueId: `issue-${number}`,
    userId: user.id,
    issue: {
      id: `issue-${number}`,
      identifier: `ENG-${number}`,
      title: `Issue ${number}`,
      url: `https://linear.app/acme/issue/ENG-${number}/issue-${number}`,
    },
    user: { id: user.id, name: user.name },
  };
}
