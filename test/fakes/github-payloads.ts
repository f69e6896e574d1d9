// GitHub `issues` and `issue_comment` webhook payloads, shaped as GitHub
// documents them (trimmed of fields Flowgate never reads, which GitHub
// sends too). Written for these tests.

const REPO = "acme/shop";

export const octocat = { login: "octocat", id: 1, type: "User" };
export const flowgateBot = { login: "flowgate-app[bot]", id: 99, type: "Bot" };

export interface GithubIssueOptions {
  number: number;
  title?: string;
  body?: string | null;
  labels?: string[];
  state?: "open" | "closed";
  pullRequest?: boolean;
}

export function githubIssue(options: GithubIssueOptions) {
  return {
    url: `https://api.github.com/repos/${REPO}/issues/${options.number}`,
    html_url: `https://github.com/${REPO}/issues/${options.number}`,
    id: 1_000_000 + options.number,
    node_id: `I_kwDO${options.number}`,
    number: options.number,
    title: options.title ?? `Issue ${options.number}`,
    user: octocat,
    labels: (options.labels ?? []).map((name, index) => ({
      id: index + 1,
      name,
      color: "ededed",
      default: false,
    })),
    state: options.state ?? "open",
    locked: false,
    assignee: null,
    assignees: [],
    comments: 0,
    created_at: "2026-12-03T10:00:00Z",
    updated_at: "2026-12-03T10:00:00Z",
    author_association: "OWNER",
    body: options.body === undefined ? "Details" : options.body,
    ...(options.pullRequest
      ? { pull_request: { url: "https://api.github.com/x", html_url: "x" } }
      : {}),
  };
}

const repository = {
  id: 42,
  name: "shop",
  full_name: REPO,
  private: false,
  owner: { login: "acme", id: 7, type: "Organization" },
};

export function issuesEvent(
  action: string,
  options: GithubIssueOptions,
  extra: Record<string, unknown> = {},
  sender = octocat,
) {
  return { action, issue: githubIssue(options), repository, sender, ...extra };
}

export function commentEvent(
  options: GithubIssueOptions,
  body: string,
  author = octocat,
) {
  return {
    action: "created",
    issue: githubIssue(options),
    comment: {
      id: Math.floor(Math.random() * 1e9),
      html_url: "https://github.com/acme/shop/issues/1#issuecomment-1",
      user: author,
      body,
      created_at: "2026-12-03T10:10:00Z",
      author_association: "OWNER",
    },
    repository,
    sender: author,
  };
}
