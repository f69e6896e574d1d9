import { randomUUID } from "node:crypto";
import {
  type Fault,
  type RecordedRequest,
  startApiFake,
} from "./api-fake-server.ts";
import {
  execute,
  FieldError,
  QueryError,
  type Resolved,
  rootFields,
} from "./graphql-subset.ts";

// Linear's GraphQL API as far as reporting back uses it: issue(id)
// with its comments, state and team states; commentCreate,
// commentUpdate, attachmentCreate (upserted by URL per issue) and
// issueUpdate. Errors in Linear's shape: `errors[]` with
// `extensions.type`, `code` and `userPresentableMessage`.

const VALIDATION_FAILED = {
  type: "graphql error",
  code: "GRAPHQL_VALIDATION_FAILED",
};
const TEAM_STATES = ["Backlog", "Todo", "In Progress", "In Review", "Done"];

/** The API key's user, and the author of the comments it writes. */
export const LINEAR_VIEWER = {
  id: "6f1a2b3c-0000-4000-8000-0000000f10e1",
  name: "Flowgate",
};

export interface FakeLinearComment {
  id: string;
  issueId: string;
  /** The author's user id. */
  userId: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}

export interface FakeLinearAttachment {
  id: string;
  issueId: string;
  url: string;
  title: string;
  subtitle: string | null;
}

interface FakeIssue {
  id: string;
  identifier: string;
  stateId: string;
}

export interface FakeLinear {
  /** The GraphQL endpoint, for `credentials.api_url`. */
  url: string;
  apiKey: string;
  requests: RecordedRequest[];
  /** Each request's root fields, e.g. "issue" or "commentCreate". */
  operations(): string[];
  /** Applies the fault to the next request with this root field. */
  failNext(operation: string, fault: Fault): void;
  addIssue(identifier: string, stateName?: string): void;
  /** A comment by `userId` (the API key's user unless said). */
  addComment(
    identifier: string,
    body: string,
    userId?: string,
  ): FakeLinearComment;
  deleteComment(id: string): void;
  comments(identifier: string): FakeLinearComment[];
  attachments(identifier: string): FakeLinearAttachment[];
  stateOf(identifier: string): string;
  /** The name of the team's state with this id, as a request sent it. */
  stateName(id: string): string | undefined;
  close(): Promise<void>;
}

export const linearErrors = {
  ratelimited: {
    message: "Rate limit exceeded",
    extensions: {
      type: "ratelimited",
      code: "RATELIMITED",
      statusCode: 429,
      userError: true,
      userPresentableMessage: "Rate limit exceeded. Please try again later.",
    },
  },
  authentication: {
    message: "Authentication required, not authenticated",
    extensions: {
      type: "authentication error",
      code: "AUTHENTICATION_ERROR",
      statusCode: 401,
      userError: true,
      userPresentableMessage:
        "You need to authenticate to access this operation.",
    },
  },
  internal: {
    message: "Internal server error",
    extensions: { type: "internal error", code: "INTERNAL_SERVER_ERROR" },
  },
};

export async function startFakeLinear(
  apiKey = "lin_api_fake0123456789",
): Promise<FakeLinear> {
  const team = {
    id: randomUUID(),
    key: "ENG",
    states: TEAM_STATES.map((name) => ({ id: randomUUID(), name })),
  };
  const issues = new Map<string, FakeIssue>();
  const comments: FakeLinearComment[] = [];
  const attachments: FakeLinearAttachment[] = [];
  let sync = 1000;

  const stateNamed = (name: string) => {
    const state = team.states.find((entry) => entry.name === name);
    if (!state) throw new Error(`the fake team has no state ${name}`);
    return state;
  };
  const addIssue = (identifier: string, stateName = "Todo") => {
    const id = randomUUID();
    issues.set(identifier, {
      id,
      identifier,
      stateId: stateNamed(stateName).id,
    });
  };
  const issueBy = (reference: unknown): FakeIssue => {
    const issue = [...issues.values()].find(
      (entry) => entry.identifier === reference || entry.id === reference,
    );
    if (!issue) throw notFound("Issue");
    return issue;
  };
  const issueNode = (issue: FakeIssue): Resolved => ({
    __typename: "Issue",
    id: issue.id,
    identifier: issue.identifier,
    url: `https://linear.app/acme/issue/${issue.identifier.toLowerCase()}`,
    state: stateNode(team.states.find((s) => s.id === issue.stateId)),
    team: {
      __typename: "Team",
      id: team.id,
      key: team.key,
      states: (args: { first?: number }) =>
        connection("WorkflowStateConnection", team.states.map(stateNode), args),
    },
    comments: (args: { first?: number; filter?: unknown }) =>
      connection(
        "CommentConnection",
        comments
          .filter((comment) => comment.issueId === issue.id)
          .filter(commentFilter(args.filter))
          .map(commentNode),
        args,
      ),
  });
  const payload = (type: string, field: string, node: Resolved) => {
    sync += 1;
    return { __typename: type, success: true, lastSyncId: sync, [field]: node };
  };
  const query: Record<string, (args: any) => Resolved> = {
    issue: (args: { id: string }) => issueNode(issueBy(args.id)),
    viewer: () => ({ __typename: "User", ...LINEAR_VIEWER }),
  };
  const mutation: Record<string, (args: any) => Resolved> = {
    commentCreate({ input }: { input: { issueId: string; body?: string } }) {
      const now = new Date().toISOString();
      const comment = {
        id: randomUUID(),
        issueId: issueBy(input.issueId).id,
        userId: LINEAR_VIEWER.id,
        body: required(input.body, "body"),
        createdAt: now,
        updatedAt: now,
      };
      comments.push(comment);
      return payload("CommentPayload", "comment", commentNode(comment));
    },
    commentUpdate({ id, input }: { id: string; input: { body?: string } }) {
      const comment = comments.find((entry) => entry.id === id);
      if (!comment) throw notFound("Comment");
      comment.body = required(input.body, "body");
      comment.updatedAt = new Date().toISOString();
      return payload("CommentPayload", "comment", commentNode(comment));
    },
    attachmentCreate({ input }: { input: Record<string, string> }) {
      const issueId = issueBy(input.issueId).id;
      const url = required(input.url, "url");
      let attachment = attachments.find(
        (entry) => entry.issueId === issueId && entry.url === url,
      );
      if (!attachment) {
        attachment = {
          id: randomUUID(),
          issueId,
          url,
          title: "",
          subtitle: null,
        };
        attachments.push(attachment);
      }
      attachment.title = required(input.title, "title");
      attachment.subtitle = input.subtitle ?? attachment.subtitle;
      return payload("AttachmentPayload", "attachment", {
        __typename: "Attachment",
        ...attachment,
      });
    },
    issueUpdate({ id, input }: { id: string; input: { stateId?: string } }) {
      const issue = issueBy(id);
      if (input.stateId !== undefined) {
        if (!team.states.some((state) => state.id === input.stateId)) {
          throw invalidInput("stateId must be a state of the issue's team");
        }
        issue.stateId = input.stateId;
      }
      return payload("IssuePayload", "issue", issueNode(issue));
    },
  };

  const server = await startApiFake({
    authorize(request) {
      if (request.path !== "/graphql" || request.method !== "POST") {
        return { status: 404, body: "Not Found" };
      }
      if (request.headers.authorization === apiKey) return undefined;
      return { status: 401, body: { errors: [linearErrors.authentication] } };
    },
    handle: (request) =>
      execute(request.body, { query, mutation }, VALIDATION_FAILED),
    errorBody(status) {
      if (status === 401) return { errors: [linearErrors.authentication] };
      if (status === 429 || status === 400) {
        return { errors: [linearErrors.ratelimited] };
      }
      return { errors: [linearErrors.internal] };
    },
  });
  addIssue("ENG-123");

  const issueNamed = (identifier: string) => {
    const issue = issues.get(identifier);
    if (!issue) throw new Error(`the fake has no issue ${identifier}`);
    return issue;
  };
  return {
    url: `${server.url}/graphql`,
    apiKey,
    requests: server.requests,
    operations: () =>
      server.requests.map((request) => rootFields(request.body)),
    failNext(operation, fault) {
      server.failNext(
        (request) => rootFields(request.body) === operation,
        fault,
      );
    },
    addIssue,
    addComment(identifier, body, userId = LINEAR_VIEWER.id) {
      const now = new Date().toISOString();
      const comment = {
        id: randomUUID(),
        issueId: issueNamed(identifier).id,
        userId,
        body,
        createdAt: now,
        updatedAt: now,
      };
      comments.push(comment);
      return comment;
    },
    deleteComment(id) {
      const index = comments.findIndex((comment) => comment.id === id);
      if (index !== -1) comments.splice(index, 1);
    },
    comments: (identifier) =>
      comments.filter((entry) => entry.issueId === issueNamed(identifier).id),
    attachments: (identifier) =>
      attachments.filter(
        (entry) => entry.issueId === issueNamed(identifier).id,
      ),
    stateOf(identifier) {
      const { stateId } = issueNamed(identifier);
      return team.states.find((state) => state.id === stateId)?.name ?? "";
    },
    stateName: (id) => team.states.find((state) => state.id === id)?.name,
    close: () => server.close(),
  };
}

function stateNode(state: { id: string; name: string } | undefined): Resolved {
  if (!state) return null;
  return { __typename: "WorkflowState", id: state.id, name: state.name };
}

function commentNode(comment: FakeLinearComment): Resolved {
  return {
    __typename: "Comment",
    id: comment.id,
    body: comment.body,
    user: { __typename: "User", id: comment.userId },
    createdAt: comment.createdAt,
    updatedAt: comment.updatedAt,
    url: `https://linear.app/acme/comment/${comment.id}`,
  };
}

function connection(
  type: string,
  nodes: Resolved[],
  args: { first?: number },
): Resolved {
  const first = args.first ?? 50;
  return {
    __typename: type,
    nodes: nodes.slice(0, first),
    pageInfo: {
      __typename: "PageInfo",
      hasNextPage: nodes.length > first,
    },
  };
}

// The fake knows `body: {contains}` only; any other filter is a bug in
// the test or the client, so it fails loudly.
function commentFilter(filter: unknown) {
  if (filter === undefined) return () => true;
  const contains = (filter as { body?: { contains?: unknown } }).body?.contains;
  if (
    typeof contains !== "string" ||
    Object.keys(filter as object).length !== 1
  ) {
    throw new QueryError(
      `The fake cannot filter comments by ${JSON.stringify(filter)}`,
    );
  }
  return (comment: FakeLinearComment) => comment.body.includes(contains);
}

function required(value: string | undefined, field: string): string {
  if (value === undefined || value === "") {
    throw invalidInput(`${field} must not be empty`);
  }
  return value;
}

function notFound(entity: string): FieldError {
  return new FieldError(`Entity not found: ${entity}`, {
    type: "invalid input",
    code: "INPUT_ERROR",
    statusCode: 400,
    userError: true,
    userPresentableMessage: `Could not find referenced ${entity}.`,
  });
}

function invalidInput(message: string): FieldError {
  return new FieldError("Argument Validation Error", {
    type: "invalid input",
    code: "INPUT_ERROR",
    statusCode: 400,
    userError: true,
    userPresentableMessage: message,
  });
}
