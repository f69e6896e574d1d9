import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { App } from "../../app.ts";
import { recordAuditEvent } from "../../audit/audit-event.ts";
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

      const defaultBranch = input.default_branch ?? "main";
      // The repository first: it is idempotent, so a failure after it
      // leaves nothing a retry would trip over, and no project row
      // ever points at a missing repository.
      await app.forge.createRepository(
        { path: input.path, defaultBranch },
        input.import_path,
      );

      const context = changeContext(app, request);
      const row = await app.store.db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto("projects")
          .values({
            path: input.path,
            default_branch: defaultBranch,
            forge_type: "local",
            forge_config: "{}",
            created_at: context.now.toISOString(),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await recordAuditEvent(trx, {
          actor: context.actor,
          project: inserted,
          action: input.import_path ? "imported project" : "created project",
          target: { type: "Project", id: inserted.id, details: inserted.path },
          ipAddress: context.ipAddress,
          at: context.now,
        });
        return inserted;
      });
      return reply
        .code(201)
        .send(projectView(toProject(row), app.config.publicUrl));
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
