import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
} from "fastify";
import type { App } from "../../app.ts";
import {
  type Answer,
  receiveDelivery,
  refuseAtEdge,
} from "../../ingress/receive-delivery.ts";
import { Refusal } from "../../ingress/refusal.ts";
import { mediaTypeOf } from "../../sources/media-type.ts";

const GENERIC = "/api/v4/projects/:id/workflows/trigger";
const PER_TRIGGER =
  "/api/v4/projects/:id/workflows/triggers/:trigger_id/webhook";
const OTHER_METHODS = ["GET", "PUT", "PATCH", "DELETE"] as const;

interface Params {
  id: string;
  trigger_id?: string;
}

/**
 * The two ways in for deliveries (DESIGN.md §4). The body is kept as raw
 * bytes: signatures are checked over exactly what was sent, and nothing
 * parses it before they pass. Fastify enforces the size limit while
 * reading (413) and refuses other content types (415).
 */
export function triggerEndpoints(app: App) {
  return async (server: FastifyInstance) => {
    server.removeAllContentTypeParsers();
    // A child logger per request cost more than the whole token check;
    // the ingress binds a delivery's own ids to the lines it writes.
    server.setChildLoggerFactory((logger) => logger);
    // Form bodies are kept raw too: a source may accept them (Slack's
    // slash commands); the generic endpoint and JSON sources refuse them
    // with 415 once the trigger is known.
    server.addContentTypeParser(
      ["application/json", "application/x-www-form-urlencoded"],
      { parseAs: "buffer" },
      (_request, body, done) => done(null, body),
    );

    // Size and content type are refused by fastify before the handler
    // runs; they still count as deliveries, so record them here.
    server.setErrorHandler(async (error: FastifyError, request, reply) => {
      const status = error.statusCode ?? 500;
      if (status !== 413 && status !== 415 && status !== 400) throw error;
      const params = request.params as Params;
      const message =
        status === 413
          ? `413 Payload Too Large - the body is over ${app.config.bodyLimitBytes} bytes`
          : status === 415
            ? "415 Unsupported Media Type - send the body as application/json in UTF-8"
            : `400 Bad request - ${error.message}`;
      const answer = await refuseAtEdge(
        app.ingress,
        {
          projectRef: params.id ?? "",
          triggerId: undefined,
          headers: request.headers as Record<string, string | undefined>,
          rawBody: Buffer.alloc(0),
          receivedAt: app.now(),
          sourceIp: request.ip,
        },
        new Refusal(status, message, status === 413 ? "size" : "content type"),
      );
      return send(reply, answer);
    });

    const handle = async (
      request: FastifyRequest<{ Params: Params }>,
      reply: FastifyReply,
    ) => {
      const receivedAt = app.now();
      const charset = request.headers["content-type"]?.match(
        /;\s*charset="?([^";\s]+)/i,
      )?.[1];
      if (charset && !/^utf-?8$/i.test(charset)) {
        throw Object.assign(new Error("charset"), { statusCode: 415 });
      }
      const triggerId = request.params.trigger_id;
      if (triggerId === undefined && !isJson(request.headers["content-type"])) {
        throw Object.assign(new Error("media type"), { statusCode: 415 });
      }
      if (triggerId !== undefined && !/^\d{1,12}$/.test(triggerId)) {
        return reply.code(404).send({ message: "404 Not Found" });
      }
      const answer = await receiveDelivery(app.ingress, {
        projectRef: request.params.id,
        triggerId: triggerId === undefined ? undefined : Number(triggerId),
        headers: request.headers as Record<string, string | undefined>,
        rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
        receivedAt,
        sourceIp: request.ip,
      });
      return send(reply, answer);
    };

    server.post(GENERIC, handle);
    server.post(PER_TRIGGER, handle);
    for (const url of [GENERIC, PER_TRIGGER]) {
      server.route({
        method: [...OTHER_METHODS],
        url,
        handler: async (_request, reply) =>
          reply
            .code(405)
            .header("allow", "POST")
            .send({ message: "405 Method Not Allowed" }),
      });
    }
  };
}

function isJson(contentType: string | undefined): boolean {
  return mediaTypeOf(contentType) === "application/json";
}

function send(reply: FastifyReply, answer: Answer) {
  for (const [name, value] of Object.entries(answer.headers)) {
    reply.header(name, value);
  }
  return reply.code(answer.status).send(answer.body);
}
