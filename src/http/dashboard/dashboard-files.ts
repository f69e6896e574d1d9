import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";

/** Where `npm run build:web` writes the dashboard, from this file's
 * place in the repository (src/ or dist/ alike), whatever the cwd. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(
  new URL("../../../web/dist/", import.meta.url),
);

const IMMUTABLE = "public, max-age=31536000, immutable";
// index.html names the current assets: always ask whether it changed.
const REVALIDATE = "no-cache";

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Flowgate dashboard</title></head>
<body>
<h1>The dashboard is not built</h1>
<p>The dashboard is not built: run <code>npm run build:web</code> in the
Flowgate directory, then reload this page.</p>
</body>
</html>
`;

/**
 * Serves the built dashboard under /-/dashboard/ (inside a plugin with
 * that prefix). Vite names each asset by its content hash, so assets are
 * cached for good; any other path is a client-side route and answers
 * index.html. A `.br` or `.gz` twin written at build time is sent when
 * the browser accepts it. Without a build, a 503 page says how to make
 * one; the directory is read per request, so a build made while the
 * server runs is served at once.
 */
export function dashboardFiles(dashboardDir: string) {
  const root = path.resolve(dashboardDir);
  const assets = path.join(root, "assets") + path.sep;
  const index = path.join(root, "index.html");

  return async (server: FastifyInstance) => {
    await server.register(fastifyStatic, {
      root,
      prefix: "/",
      preCompressed: true,
      // The directory may appear only after start-up.
      suppressWarning: true,
      cacheControl: false,
      dotfiles: "ignore",
      setHeaders: (reply, file) => {
        reply.header(
          "cache-control",
          file.startsWith(assets) ? IMMUTABLE : REVALIDATE,
        );
      },
    });

    server.setNotFoundHandler((request, reply) => {
      const isRead = request.method === "GET" || request.method === "HEAD";
      const url = request.url.split("?")[0] ?? "";
      // A missing asset stays a 404: the browser asked for a script or a
      // style, and must not be handed a page.
      if (!isRead || url.startsWith("/-/dashboard/assets/")) {
        return reply.code(404).send({ message: "404 Not Found" });
      }
      if (!fs.existsSync(index)) return notBuilt(reply);
      return reply.sendFile("index.html");
    });
  };
}

function notBuilt(reply: FastifyReply) {
  return reply
    .code(503)
    .header("cache-control", REVALIDATE)
    .type("text/html; charset=utf-8")
    .send(NOT_BUILT_PAGE);
}
