import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { App } from "../../app.ts";
import {
  gitlabForgeChanges,
  gitlabForgeInput,
} from "../../forges/gitlab/gitlab-project-config.ts";
import { createGitLabProject } from "../../projects/create-gitlab-project.ts";
import { createProject } from "../../projects/create-project.ts";
import { findProject, projectView, toProject } from "../../projects/project.ts";
import { updateGitLabProject } from "../../projects/update-gitlab-project.ts";
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
      .discriminatedUnion("type", [
        z.object({ type: z.literal("local") }).strict(),
        gitlabForgeInput,
      ])
      .optional(),
    /** A GitLab project's id on GitLab, which Flowgate keeps as its own. */
    id: z.number().int().min(1).max(2_147_483_647).optional(),
    import_path: z.string().min(1).max(4096).optional(),
  })
  .strict()
  .superRefine((input, context) => {
    const gitlab = input.forge?.type === "gitlab";
    if (gitlab && input.id === undefined) {
      context.addIssue({
        code: "custom",
        path: ["id"],
        message: "is required for a GitLab project: its id on GitLab",
      });
    }
    if (!gitlab && input.id !== undefined) {
      context.addIssue({
        code: "custom",
        path: ["id"],
        message:
          "is only for GitLab projects; a local project is numbered by Flowgate",
      });
    }
    if (gitlab && input.import_path !== undefined) {
      context.addIssue({
        code: "custom",
        path: ["import_path"],
        message: "is only for local projects",
      });
    }
  });

const updateProjectSchema = z
  .object({
    forge: gitlabForgeChanges.optional(),
    rotate_webhook_secret: z.boolean().optional(),
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
      if (input.forge?.type === "gitlab" && input.id !== undefined) {
        if (await findProject(store.db, String(input.id))) {
          throw new HttpError(400, "400 Bad request", {
            id: ["has already been taken"],
          });
        }
        const created = await createGitLabProject(
          {
            id: input.id,
            path: input.path,
            defaultBranch: input.default_branch ?? "main",
            forge: input.forge,
          },
          {
            ...changeContext(app, request),
            db: store.db,
            secretBox: app.secretBox,
            dialect: store.dialect,
          },
        );
        return reply.code(201).send({
          ...projectView(created.project, app.config.publicUrl),
          // Shown only here: what GitLab's merge request webhook sends.
          webhook_url: `${app.config.publicUrl}/api/v4/projects/${created.project.id}/gitlab/webhook`,
          webhook_secret: created.webhookSecret,
        });
      }
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

    // A GitLab project's forge settings: a new token, a pipeline trigger
    // token, a new webhook secret (docs/gitlab.md).
    server.patch("/api/v4/projects/:id", async (request) => {
      const project = await projectParam(app, request);
      const input = parseInput(updateProjectSchema, request.body);
      if (project.forgeType !== "gitlab") {
        throw new HttpError(
          400,
          "400 Bad request - only a GitLab project has forge settings to change",
        );
      }
      const updated = await updateGitLabProject(
        project,
        {
          forge: input.forge ?? {},
          rotateWebhookSecret: input.rotate_webhook_secret ?? false,
        },
        {
          ...changeContext(app, request),
          db: app.store.db,
          secretBox: app.secretBox,
        },
      );
      return {
        ...projectView(updated.project, app.config.publicUrl),
        ...(updated.webhookSecret
          ? { webhook_secret: updated.webhookSecret }
          : {}),
      };
    });
  };
}
