import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { App } from "../../app.ts";
import { createProject } from "../../projects/create-project.ts";
import { findProject, projectView, toProject } from "../../projects/project.ts";
import { HttpError } from "../http-error.ts";
import { fetchPage, readPage } from "../paging.ts";
import { parseInput } from "../parse-body.ts";
import { changeContext, projectParam } from "./admin-context.ts";

const segment = "[A-Za-z0-9][A-Za-z0-9_.-]{0,99}";

const createProjectSchema = z
  .object({
    path: z
      .string()
      .max(255)
      .regex(
        new RegExp(`^${segment}(/${segment}){0,9}$`),
        "must be segments of letters, digits, _ . or - separated by /",
      )
      .refine(
        (value) => !value.includes("..") && !/\.(git|atom)$/.test(value),
        "may not contain '..' or end in .git or .atom",
      ),
    default_branch: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/,
        "is not a valid branch name",
      )
      .optional(),
    forge: z
      .object({ type: z.literal("local") })
      .strict()
      .optional(),
    import_path: z.string().min(1).max(4096).optional(),
  })
  .strict();

export function projectRoutes(app: App) {
  return async (server: FastifyInstance) => {
    server.post("/api/v4/projects", async (request, reply) => {
      const input = parseInput(createProjectSchema, request.body);
      if (await findProject(app.store.db, input.path)) {
        throw new HttpError(400, "400 Bad request", {
          path: ["has already been taken"],
        });
      }

      const { forge, store } = app;
      const project = await createProject(
        {
          path: input.path,
          defaultBranch: input.default_branch ?? "main",
          importPath: input.import_path,
        },
        { ...changeContext(app, request), db: store.db, forge },
      );
      return reply.code(201).send(projectView(project, app.config.publicUrl));
    });

    server.get("/api/v4/projects", async (request, reply) => {
      const page = readPage(request.query);
      const rows = await fetchPage(
        reply,
        app.store.db.selectFrom("projects").selectAll().orderBy("id"),
        page,
      );
      return rows.map((row) =>
        projectView(toProject(row), app.config.publicUrl),
      );
    });

    server.get("/api/v4/projects/:id", async (request) =>
      projectView(await projectParam(app, request), app.config.publicUrl),
    );
  };
}
