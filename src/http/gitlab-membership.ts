import { z } from "zod";
import { GitLabApi, GitLabError } from "../forges/gitlab/gitlab-api.ts";
import type { OutboundHttp } from "../outbound/outbound-http.ts";

const SECOND_MS = 1000;
// An admin request waits for these calls: a GitLab that hangs should
// become a 503 within seconds, not after the outbound default's retries.
const CALL_TIMEOUT_MS = 5 * SECOND_MS;
const MAX_ATTEMPTS = 2;

/** Who a GitLab token belongs to, and their level on one project. */
export interface GitLabMembership {
  user: { id: number; username: string };
  /** GitLab's access level; undefined when the user is not a member. */
  accessLevel: number | undefined;
}

/** GitLab answered that the token cannot be used here: 401 for a token
 * it does not know (unknown, expired, revoked, blocked user), 403 for a
 * token without the scope to read users and members. */
export class GitLabTokenRefusedError extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
    this.name = "GitLabTokenRefusedError";
  }
}

const userAnswer = z.object({
  id: z.number().int(),
  username: z.string().min(1),
  state: z.string().optional(),
});
const memberAnswer = z.object({ access_level: z.number().int() });

/**
 * Asks GitLab, with the caller's own token, who they are
 * (`GET /user`) and what their access level on the project is
 * (`GET /projects/:id/members/all/:user_id`, inherited memberships
 * included). Any other failure than the token's throws as it came:
 * the caller must not take it for an answer.
 */
export async function askGitLabMembership(
  where: { baseUrl: string; projectId: number; token: string },
  http: OutboundHttp,
): Promise<GitLabMembership> {
  const api = gitlabApi(where, http);
  const user = await whoseToken(api);

  const path = `/projects/${where.projectId}/members/all/${user.id}`;
  try {
    const member = parsed(
      memberAnswer,
      await refusedToken(api.request("GET", path)),
    );
    return {
      user: { id: user.id, username: user.username },
      accessLevel: member.access_level,
    };
  } catch (error) {
    if (error instanceof GitLabError && error.status === 404) {
      return {
        user: { id: user.id, username: user.username },
        accessLevel: undefined,
      };
    }
    throw error;
  }
}

/** Asks GitLab (`GET /user`) whose token it is; an inactive user's
 * token counts as one GitLab does not know. */
export async function askGitLabUser(
  where: { baseUrl: string; token: string },
  http: OutboundHttp,
): Promise<{ id: number; username: string }> {
  const user = await whoseToken(gitlabApi(where, http));
  return { id: user.id, username: user.username };
}

function gitlabApi(
  where: { baseUrl: string; token: string },
  http: OutboundHttp,
): GitLabApi {
  return new GitLabApi(
    { baseUrl: where.baseUrl, token: where.token },
    withTimeout(http, CALL_TIMEOUT_MS),
    { maxAttempts: MAX_ATTEMPTS },
  );
}

async function whoseToken(api: GitLabApi) {
  const user = parsed(
    userAnswer,
    await refusedToken(api.request("GET", "/user")),
  );
  if (user.state !== undefined && user.state !== "active") {
    throw new GitLabTokenRefusedError(401, `the user is ${user.state}`);
  }
  return user;
}

/** Turns GitLab's 401 and 403 into what they say about the token. */
async function refusedToken(call: Promise<unknown>): Promise<unknown> {
  try {
    return await call;
  } catch (error) {
    if (!(error instanceof GitLabError)) throw error;
    if (error.status === 401) {
      throw new GitLabTokenRefusedError(
        401,
        "GitLab does not know the token, or it expired or was revoked",
      );
    }
    if (error.status === 403) {
      throw new GitLabTokenRefusedError(
        403,
        "GitLab refused the token for reading its user or the project's " +
          "members; use a personal access token with the read_api or api " +
          "scope",
      );
    }
    throw error;
  }
}

function parsed<T>(schema: z.ZodType<T>, answer: unknown): T {
  const result = schema.safeParse(answer);
  if (!result.success) {
    throw new GitLabError(
      "GitLab's answer about the token's user had an unexpected shape",
      200,
      false,
    );
  }
  return result.data;
}

function withTimeout(http: OutboundHttp, timeoutMs: number): OutboundHttp {
  return {
    send: (outbound) => http.send({ timeoutMs, ...outbound }),
    checkDestination: (url, method) => http.checkDestination(url, method),
    // The shared client is the app's to close, not this view's.
    close: async () => {},
  };
}
