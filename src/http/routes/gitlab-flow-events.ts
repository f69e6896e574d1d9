import type { FastifyInstance, FastifyRequest } from "fastify";
import type { App } from "../../app.ts";
import { ANONYMOUS_ACTOR, recordAuditEvent } from "../../audit/audit-event.ts";
import {
  flowWakeKey,
  readFlowCallback,
  runStartedFlow,
} from "../../executors/gitlab-duo/flow-callback.ts";
import { GITLAB_WEBHOOK_ACTOR } from "../../forges/gitlab/apply-merge-request-hook.ts";
import { readGitLabConfig } from "../../forges/gitlab/gitlab-project-config.ts";
import { verifyGitLabHook } from "../../forges/gitlab/verify-gitlab-hook.ts";
import { parseJson } from "../../ingress/parse-json.ts";
import { Refusal } from "../../ingress/refusal.ts";
import { findProject, type Project } from "../../projects/project.ts";

const EVENTS_URL = "/api/v4/projects/:id/gitlab/flow_events";
const NOT_FOUND = { message: "404 Not Found" };

type EventsRequest = FastifyRequest<{ Params: { id: string } }>;
type Outcome =
  | { status: "accepted"; run_id: number; event: string }
  | { status: "ignored"; reason: string };

/**
 * GitLab Duo flow callbacks for a GitLab project (GitLab 19.4, behind
 * the `duo_flow_callback_hooks` flag): a project or group webhook with
 * "Send Duo flow events" on, whose secret token is the project's webhook
 * secret. A callback for a run's flow wakes that flow's follower,
 * whichever process runs it, which reads the status at once instead of
 * after its backoff; the status read over GraphQL stays the truth. Authenticated as the merge request
 * webhook (X-Gitlab-Token or a Standard Webhooks signature); every
 * delivery is an audit event. Nothing is stored but the audit event, so
 * GitLab's repeats of an event (same `event_id`) are harmless.
 */
export function gitlabFlowEvents(app: App) {
  return async (server: FastifyInstance) => {
    server.removeAllContentTypeParsers();
    server.addContentTypeParser(
      "application/json",
      { parseAs: "buffer" },
      (_request, body, done) => done(null, body),
    );

    server.post(EVENTS_URL, async (request: EventsRequest, reply) => {
      const id = request.params.id;
      const project = id ? await findProject(app.store.db, id) : undefined;
      if (project?.forgeType !== "gitlab") {
        return reply.code(404).send(NOT_FOUND);
      }
      try {
        const outcome = await receive(app, request, project);
        await audit(app, request, project, outcome);
        return reply.code(200).send(outcome);
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        await audit(app, request, project, {
          status: "refused",
          reason: `${error.check}: ${error.message}`,
          code: error.status,
        });
        const errors = error.extra.errors;
        return reply
          .code(error.status)
          .send({ message: error.message, ...(errors ? { errors } : {}) });
      }
    });
  };
}

async function receive(
  app: App,
  request: EventsRequest,
  project: Project,
): Promise<Outcome> {
  const headers = request.headers as Record<string, string | undefined>;
  const rawBody = Buffer.isBuffer(request.body)
    ? request.body
    : Buffer.alloc(0);
  const { authFailures } = app.ingress;
  await authFailures.check(request.ip);
  const config = readGitLabConfig(project.forgeConfig, app.secretBox);
  const at = app.now();
  try {
    verifyGitLabHook(
      { headers, rawBody, receivedAt: at },
      config.webhookSecret,
      at,
    );
  } catch (error) {
    if (error instanceof Refusal && error.status === 401) {
      await authFailures.recordFailure(request.ip);
    }
    throw error;
  }

  const callback = readFlowCallback(parseJson(rawBody));
  if (callback.kind === "ignored") {
    return { status: "ignored", reason: callback.reason };
  }
  const ours = await runStartedFlow(
    app.store.db,
    project.id,
    callback.runId,
    callback.flowId,
  );
  if (!ours) {
    return {
      status: "ignored",
      reason:
        `run ${callback.runId} of this project did not start ` +
        `flow ${callback.flowId}`,
    };
  }
  await app.remoteWakeups.announce(
    flowWakeKey(callback.flowId),
    callback.event,
  );
  return { status: "accepted", run_id: callback.runId, event: callback.event };
}

/** Writes a delivery's audit event; a storage failure is logged, not
 * thrown, so GitLab still gets the answer its delivery earned. */
async function audit(
  app: App,
  request: FastifyRequest,
  project: Project,
  outcome: Outcome | { status: "refused"; reason: string; code: number },
): Promise<void> {
  try {
    await recordAuditEvent(app.store.db, {
      actor:
        outcome.status === "refused" ? ANONYMOUS_ACTOR : GITLAB_WEBHOOK_ACTOR,
      project,
      action: `${outcome.status} GitLab Duo flow callback`,
      ...(outcome.status === "accepted"
        ? { target: { type: "Run", id: outcome.run_id } }
        : {}),
      ipAddress: request.ip,
      details: {
        ...("event" in outcome ? { event: outcome.event } : {}),
        ...("code" in outcome ? { status: outcome.code } : {}),
        ...("reason" in outcome ? { reason: outcome.reason } : {}),
      },
      at: app.now(),
    });
  } catch (error) {
    request.log.error(
      { err: error, projectId: project.id },
      "could not write the audit event of a GitLab Duo flow callback",
    );
  }
}
