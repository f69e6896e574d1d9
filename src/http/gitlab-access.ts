import type { FastifyRequest } from "fastify";
import type { App } from "../app.ts";
import {
  type Actor,
  ANONYMOUS_ACTOR,
  recordAuditEvent,
} from "../audit/audit-event.ts";
import { readGitLabConfig } from "../forges/gitlab/gitlab-project-config.ts";
import { findProject, type Project } from "../projects/project.ts";
import { accessLevelName, requiredAccessLevel } from "./access-levels.ts";
import type { TokenCheck } from "./admin-auth.ts";
import { limitAuthFailures } from "./auth-failure-limit.ts";
import { GitLabAccessCache } from "./gitlab-access-cache.ts";
import {
  askGitLabMembership,
  GitLabTokenRefusedError,
} from "./gitlab-membership.ts";
import { HttpError } from "./http-error.ts";
import { setRequestActor } from "./request-actor.ts";

const SECOND_MS = 1000;
// A membership removed on GitLab still counts here for at most this long.
const CACHE_TTL_MS = 60 * SECOND_MS;
const CACHE_MAX_ENTRIES = 10_000;

/**
 * Lets a GitLab personal access token into the routes of a GitLab
 * project (DESIGN.md §3): GitLab says who the token's user is and their
 * access level there, and the route says the level it needs
 * (access-levels.ts). Any other token, on any other route, is a 401 as
 * before. A GitLab that cannot answer is a 503, never a pass. Every
 * refusal is an audit event of the project; the token is never logged.
 */
export function gitlabAccess(app: App): TokenCheck {
  const cache = new GitLabAccessCache({
    ttlMs: CACHE_TTL_MS,
    maxEntries: CACHE_MAX_ENTRIES,
    now: app.now,
  });

  return async (request, reply, token) => {
    const id = (request.params as { id?: string } | undefined)?.id;
    const project = id ? await findProject(app.store.db, id) : undefined;
    if (project?.forgeType !== "gitlab") {
      throw new HttpError(401, "401 Unauthorized");
    }
    const refuse = refusals(app, request, project);
    await limitAuthFailures(app, request, reply);

    const config = readGitLabConfig(project.forgeConfig, app.secretBox);
    const membership = await cache
      .answer(token, `${config.baseUrl} ${config.projectId}`, () =>
        askGitLabMembership(
          { baseUrl: config.baseUrl, projectId: config.projectId, token },
          app.outbound,
        ),
      )
      .catch((error: unknown) => refuse.unanswered(error));

    const actor: Actor = {
      id: membership.user.id,
      name: `@${membership.user.username}`,
    };
    const pattern = request.routeOptions.url;
    const route = `${request.method} ${pattern ?? request.url}`;
    const needed = requiredAccessLevel(request.method, pattern);
    if (needed === undefined) {
      return refuse.forbidden(
        actor,
        `${route} needs the instance admin token; a GitLab token is not enough`,
      );
    }
    const level = membership.accessLevel;
    if (level === undefined || level < needed) {
      const has =
        level === undefined
          ? "is not a member of the project"
          : `has ${accessLevelName(level)}`;
      return refuse.forbidden(
        actor,
        `${route} needs ${accessLevelName(needed)} or higher in GitLab ` +
          `project ${config.projectId}; ${actor.name} ${has}`,
        { required_level: needed, access_level: level ?? null },
      );
    }
    setRequestActor(request, actor);
  };
}

/** The refusals of one request, each written to the audit log. */
function refusals(app: App, request: FastifyRequest, project: Project) {
  const audit = async (
    actor: Actor,
    status: number,
    reason: string,
    extra: Record<string, unknown> = {},
  ) => {
    try {
      await recordAuditEvent(app.store.db, {
        actor,
        project,
        action: "refused admin request",
        ipAddress: request.ip,
        details: {
          method: request.method,
          path: request.url.split("?")[0],
          status,
          reason,
          ...extra,
        },
        at: app.now(),
      });
    } catch (error) {
      // The refusal stands without its audit event; say so loudly.
      request.log.error(
        { err: error, projectId: project.id },
        "could not write the audit event of a refused admin request",
      );
    }
  };

  return {
    async forbidden(
      actor: Actor,
      reason: string,
      extra?: Record<string, unknown>,
    ): Promise<never> {
      await audit(actor, 403, reason, extra);
      throw new HttpError(403, `403 Forbidden - ${reason}`);
    },

    async unanswered(error: unknown): Promise<never> {
      if (error instanceof GitLabTokenRefusedError) {
        if (error.status === 401) {
          await app.ingress.authFailures.recordFailure(request.ip);
        }
        await audit(ANONYMOUS_ACTOR, error.status, error.message);
        throw new HttpError(
          error.status,
          error.status === 401
            ? "401 Unauthorized"
            : `403 Forbidden - ${error.message}`,
        );
      }
      const reason = error instanceof Error ? error.message : String(error);
      request.log.warn(
        { err: error, projectId: project.id },
        "GitLab could not be asked about a token",
      );
      await audit(ANONYMOUS_ACTOR, 503, `GitLab did not answer: ${reason}`);
      throw new HttpError(
        503,
        "503 Service Unavailable - GitLab could not be reached to check " +
          "the token; retry shortly, or use the instance admin token",
      );
    },
  };
}
