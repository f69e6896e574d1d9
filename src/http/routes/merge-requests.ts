import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { App } from "../../app.ts";
import { recordAuditEvent } from "../../audit/audit-event.ts";
import { enqueueReports } from "../../outbox/enqueue-reports.ts";
import type { Db } from "../../store/database.ts";
import { notFound } from "../http-error.ts";
import { readPage, setPageHeaders } from "../paging.ts";
import { parseInput } from "../parse-body.ts";
import { changeContext, numericParam, projectParam } from "./admin-context.ts";
import { assertLocalForge } from "./local-forge-only.ts";

const BASE = "/api/v4/projects/:id/merge_requests";

const listFilters = z.object({
  state: z.enum(["opened", "merged", "closed", "all"]).optional(),
});

/** The local forge's merge requests, in GitLab's shape. */
export function mergeRequestRoutes(app: App) {
  return async (server: FastifyInstance) => {
    server.get(BASE, async (request, reply) => {
      const project = await projectParam(app, request);
      assertLocalForge(project, "merge requests");
      const { state } = parseInput(listFilters, request.query);
      const page = readPage(request.query);
      const found = await app.forge.listMergeRequests(project, {
        state: state === "all" ? undefined : state,
        page: page.page,
        perPage: page.perPage,
      });
      setPageHeaders(reply, page, found.total);
      return found.items;
    });

    server.get(`${BASE}/:iid`, async (request) => {
      const project = await projectParam(app, request);
      assertLocalForge(project, "merge requests");
      const iid = numericParam(request, "iid", "Merge Request");
      const mergeRequest = await app.forge.getMergeRequest(project, iid);
      if (!mergeRequest) throw notFound("Merge Request");
      return mergeRequest;
    });

    server.post(`${BASE}/:iid/merge`, async (request) => {
      const project = await projectParam(app, request);
      assertLocalForge(project, "merge requests");
      const iid = numericParam(request, "iid", "Merge Request");
      const merged = await app.forge.mergeMergeRequest(
        project,
        iid,
        undefined,
        (trx, row) => reportMerged(trx, row, app),
      );
      app.dispatcher?.wake();
      const context = changeContext(app, request);
      await recordAuditEvent(app.store.db, {
        actor: context.actor,
        project,
        action: "merged merge request",
        target: { type: "MergeRequest", id: merged.iid, details: merged.title },
        ipAddress: context.ipAddress,
        at: context.now,
      });
      return merged;
    });
  };
}

/** Tells the ticket of the newest run on the merge request. */
async function reportMerged(
  trx: Db,
  mergeRequest: { project_id: number; iid: number },
  app: App,
): Promise<void> {
  const run = await trx
    .selectFrom("runs")
    .select("id")
    .where("project_id", "=", mergeRequest.project_id)
    .where("merge_request_iid", "=", mergeRequest.iid)
    .orderBy("id", "desc")
    .executeTakeFirst();
  if (!run) return;
  await enqueueReports(trx, {
    runId: run.id,
    event: "merged",
    at: app.now(),
    publicUrl: app.config.publicUrl,
  });
}
