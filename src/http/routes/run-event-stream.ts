import type { FastifyInstance, FastifyRequest } from "fastify";
import type { App } from "../../app.ts";
import {
  currentRunCursor,
  formatRunCursor,
  parseRunCursor,
  runChangesSince,
} from "../../runs/run-changes.ts";
import { runView } from "../../runs/run-view.ts";
import { projectParam } from "./admin-context.ts";

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
// The database is asked this often: every process writes runs there,
// so polling it sees them all without a channel between processes.
const POLL_MS = SECOND_MS;
// Proxies close connections that stay silent for long.
const HEARTBEAT_MS = 15 * SECOND_MS;
// A stream ends after this long and the browser reconnects with its
// Last-Event-ID: the reconnection passes the admin guard again, so a
// signed-out session or a lost GitLab membership stops the stream.
const STREAM_LIFETIME_MS = 10 * MINUTE_MS;
// What EventSource waits before reconnecting.
const RECONNECT_MS = 2 * SECOND_MS;

/**
 * `GET …/workflows/runs/events` (docs/api.md): a text/event-stream of
 * the project's runs as the runs list shows them, one `run` event each
 * time a run is created or changes. Each poll's last event carries the
 * cursor as its id, so a reconnecting browser misses nothing and at
 * worst sees a run twice. Streams end when the client goes away and
 * when the server closes, so closing never waits on a browser.
 */
export function runEventStreamRoutes(app: App) {
  const db = app.store.db;
  const open = new Set<() => Promise<void>>();

  return async (server: FastifyInstance) => {
    server.addHook("preClose", async () => {
      await Promise.all([...open].map((stop) => stop()));
    });

    server.get(
      "/api/v4/projects/:id/workflows/runs/events",
      async (request, reply) => {
        const project = await projectParam(app, request);
        let cursor =
          parseRunCursor(request.headers["last-event-id"]) ??
          (await currentRunCursor(db, project.id));

        reply.hijack();
        const raw = reply.raw;
        raw.writeHead(200, {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-cache",
          connection: "keep-alive",
          // nginx would otherwise hold events back in its buffer.
          "x-accel-buffering": "no",
        });
        raw.write(`retry: ${RECONNECT_MS}\n: connected\n\n`);

        let stopped = false;
        let polling: Promise<void> = Promise.resolve();
        let timer: NodeJS.Timeout | undefined;
        const heartbeat = setInterval(
          () => raw.write(": keep-alive\n\n"),
          HEARTBEAT_MS,
        );
        const lifetime = setTimeout(() => void stop(), STREAM_LIFETIME_MS);

        const stop = async () => {
          if (stopped) return polling;
          stopped = true;
          open.delete(stop);
          clearTimeout(timer);
          clearTimeout(lifetime);
          clearInterval(heartbeat);
          // A poll in flight finishes before the database may close.
          await polling;
          if (!raw.writableEnded) raw.end();
        };
        open.add(stop);
        raw.on("close", () => void stop());

        const poll = async () => {
          try {
            const changes = await runChangesSince(db, project.id, cursor);
            if (stopped) return;
            const views = await Promise.all(
              changes.runs.map((run) =>
                runView(db, run, {
                  publicUrl: app.config.publicUrl,
                  projectPath: project.path,
                  withEvents: false,
                }),
              ),
            );
            if (stopped) return;
            cursor = changes.cursor;
            views.forEach((view, index) => {
              const last = index === views.length - 1;
              const id = last ? `id: ${formatRunCursor(cursor)}\n` : "";
              raw.write(`event: run\n${id}data: ${JSON.stringify(view)}\n\n`);
            });
          } catch (error) {
            // The next poll tries again; the stream stays open meanwhile.
            logPollFailure(request, error, project.id);
          }
        };
        const schedule = () => {
          if (stopped) return;
          timer = setTimeout(() => {
            polling = poll().then(schedule);
          }, POLL_MS);
        };
        polling = poll().then(schedule);
      },
    );
  };
}

function logPollFailure(
  request: FastifyRequest,
  error: unknown,
  projectId: number,
): void {
  request.log.warn(
    { err: error, projectId },
    "could not read run changes for a live runs stream; trying again",
  );
}
