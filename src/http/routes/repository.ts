import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { App } from "../../app.ts";
import { notFound } from "../http-error.ts";
import { parseInput } from "../parse-body.ts";
import { projectParam } from "./admin-context.ts";
import { assertLocalForge } from "./local-forge-only.ts";

const refQuery = z.object({ ref: z.string().min(1).max(255).optional() });
const compareQuery = z.object({
  from: z.string().min(1).max(255),
  to: z.string().min(1).max(255),
});

/** Local forge file contents and diffs, in GitLab's shapes. */
export function repositoryRoutes(app: App) {
  return async (server: FastifyInstance) => {
    server.get(
      "/api/v4/projects/:id/repository/files/:file_path/raw",
      async (request, reply) => {
        const project = await projectParam(app, request);
        assertLocalForge(project, "repository");
        const { file_path: filePath } = request.params as { file_path: string };
        const { ref } = parseInput(refQuery, request.query);
        const content = await app.forge.readRepositoryFile(
          project,
          ref ?? project.defaultBranch,
          filePath,
        );
        if (!content) throw notFound("File");
        return reply
          .header("content-type", "text/plain; charset=utf-8")
          .header("x-content-type-options", "nosniff")
          .send(content);
      },
    );

    server.get("/api/v4/projects/:id/repository/compare", async (request) => {
      const project = await projectParam(app, request);
      assertLocalForge(project, "repository");
      const { from, to } = parseInput(compareQuery, request.query);
      return app.forge.compareRefs(project, from, to);
    });
  };
}
