import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
} from "fastify";
import type { App } from "../../app.ts";
import { recordAuditEvent } from "../../audit/audit-event.ts";
import {
  applyMergeRequestHook,
  type HookDelivery,
  type HookOutcome,
  hookAuditEvent,
} from "../../forges/gitlab/apply-merge-request-hook.ts";
import { readGitLabConfig } from "../../forges/gitlab/gitlab-project-config.ts";
import {
  hookEventKey,
  readMergeRequestHook,
} from "../../forges/gitlab/merge-request-hook.ts";
import { verifyGitLabHook } from "../../forges/gitlab/verify-gitlab-hook.ts";
import { parseJson } from "../../ingress/parse-json.ts";
import { Refusal } from "../../ingress/refusal.ts";
import { findProject, type Project } from "../../projects/project.ts";

const HOOK_URL = "/api/v4/projects/:id/gitlab/webhook";
const OTHER_METHODS = ["GET", "PUT", "PATCH", "DELETE"] as const;
const NOT_FOUND = { message: "404 Not Found" };

type HookRequest = FastifyRequest<{ Params: { id: string } }>;

/**
 * GitLab's merge request webhook for a GitLab project (issue 7): a merge
 * of a run's merge request is recorded on the run and told to its
 * ticket, a close is recorded. Not behind the admin guard: the project's
 * webhook secret authenticates it. Checks run in STYLE.md's order
 * (route, method, size, content type, auth, signature, schema), the body
 * stays raw bytes until they pass, and nothing waits on another system,
 * well inside GitLab's 10 s. Every delivery is an audit event.
 */
export function gitlabWebhook(app: App) {
  return async (server: FastifyInstance) => {
    server.removeAllContentTypeParsers();
    server.addContentTypeParser(
      "application/json",
      { parseAs: "buffer" },
      (_request, body, done) => done(null, body),
    );

    // Size and content type are refused by fastify before the handler;
    // they are deliveries too, so the project's audit log shows them.
    server.setErrorHandler(async (error: FastifyError, request, reply) => {
      const status = error.statusCode ?? 500;
      if (status !== 413 && status !== 415 && status !== 400) throw error;
      const message = edgeMessage(status, app.config.bodyLimitBytes, error);
      const project = await gitlabProject(app, request as HookRequest);
      if (project) {
        await audit(app, request, delivery(app, request, project), {
          status: "refused",
          code: status,
          reason: message,
        });
      }
      return reply.code(status).send({ message });
    });

    server.post(HOOK_URL, async (request: HookRequest, reply) => {
      const project = await gitlabProject(app, request);
      if (!project) return reply.code(404).send(NOT_FOUND);
      const received = delivery(app, request, project);
      try {
        return await receive(app, request, reply, project, received);
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        await audit(app, request, received, {
          status: "refused",
          code: error.status,
          reason: `${error.check}: ${error.message}`,
        });
        for (const [name, value] of Object.entries(error.extra.headers ?? {}))
          reply.header(name, value);
        const errors = error.extra.errors;
        return reply
          .code(error.status)
          .send({ message: error.message, ...(errors ? { errors } : {}) });
      }
    });

    server.route({
      method: [...OTHER_METHODS],
      url: HOOK_URL,
      handler: async (_request, reply) =>
        reply
          .code(405)
          .header("allow", "POST")
          .send({ message: "405 Method Not Allowed" }),
    });
  };
}

/** Authenticates, reads and applies one delivery; refusals throw. */
async function receive(
  app: App,
  request: HookRequest,
  reply: FastifyReply,
  project: Project,
  received: HookDelivery,
) {
  const headers = request.headers as Record<string, string | undefined>;
  const rawBody = Buffer.isBuffer(request.body)
    ? request.body
    : Buffer.alloc(0);
  const { authFailures } = app.ingress;
  await authFailures.check(request.ip);
  const config = readGitLabConfig(project.forgeConfig, app.secretBox);
  try {
    verifyGitLabHook(
      { headers, rawBody, receivedAt: received.at },
      config.webhookSecret,
      received.at,
    );
  } catch (error) {
    if (error instanceof Refusal && error.status === 401) {
      await authFailures.recordFailure(request.ip);
    }
    throw error;
  }

  received.eventKey = hookEventKey(headers, rawBody);
  const hook = readMergeRequestHook(
    headers["x-gitlab-event"],
    parseJson(rawBody),
    config.projectId,
  );
  if (hook.kind === "ignored") {
    const ignored: HookOutcome = { status: "ignored", reason: hook.reason };
    await audit(app, request, received, ignored);
    return reply.code(200).send(ignored);
  }

  const outcome = await applyMergeRequestHook(app.store.db, hook, {
    ...received,
    eventKey: received.eventKey,
    publicUrl: app.config.publicUrl,
  }).catch((error: unknown) => {
    request.log.error(
      { err: error, projectId: project.id },
      "could not record a GitLab merge request event",
    );
    throw new Refusal(
      503,
      "503 Service Unavailable - storage is unavailable; nothing was " +
        "recorded, resend the event from the webhook's Recent events later",
      "storage",
    );
  });
  if (outcome.status === "accepted") app.dispatcher?.wake();
  return reply.code(200).send(answerOf(outcome));
}

function edgeMessage(status: number, limit: number, error: Error): string {
  if (status === 413) {
    return `413 Payload Too Large - the body is over ${limit} bytes`;
  }
  if (status === 415) {
    return (
      "415 Unsupported Media Type - send the body as application/json, " +
      "as GitLab's webhooks do"
    );
  }
  return `400 Bad request - ${error.message}`;
}

function answerOf(outcome: HookOutcome) {
  if (outcome.status === "ignored") return outcome;
  return {
    status: outcome.status,
    run_id: outcome.runId,
    ...("event" in outcome ? { event: outcome.event } : {}),
    ...("reason" in outcome ? { reason: outcome.reason } : {}),
  };
}

/** The project of the URL when it lives on GitLab; none else, as for
 * a project that does not exist. */
async function gitlabProject(
  app: App,
  request: HookRequest,
): Promise<Project | undefined> {
  const id = request.params?.id;
  const project = id ? await findProject(app.store.db, id) : undefined;
  return project?.forgeType === "gitlab" ? project : undefined;
}

function delivery(
  app: App,
  request: FastifyRequest,
  project: Project,
): HookDelivery {
  return {
    project,
    eventKey: undefined,
    ipAddress: request.ip,
    at: app.now(),
  };
}

/** Writes a delivery's audit event; a storage failure is logged, not
 * thrown, so the sender still gets the answer its delivery earned. */
async function audit(
  app: App,
  request: FastifyRequest,
  received: HookDelivery,
  outcome: Parameters<typeof hookAuditEvent>[1],
): Promise<void> {
  try {
    await recordAuditEvent(app.store.db, hookAuditEvent(received, outcome));
  } catch (error) {
    request.log.error(
      { err: error, projectId: received.project.id },
      "could not write the audit event of a GitLab webhook delivery",
    );
  }
}
