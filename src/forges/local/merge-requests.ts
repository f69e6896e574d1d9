import type { Selectable } from "kysely";
import { type CountValue, countValue } from "../../store/dialect.ts";
import type { MergeRequestTable } from "../../store/schema.ts";
import type { ForgeProject, MergeRequest } from "../forge.ts";
import type { LocalForgeContext } from "./local-forge-context.ts";

export type MergeRequestRow = Selectable<MergeRequestTable>;

export interface MergeRequestQuery {
  state?: MergeRequest["state"] | undefined;
  /** 1-based, as in GitLab's API. */
  page: number;
  perPage: number;
}

export interface MergeRequestPage {
  items: MergeRequest[];
  /** All matching merge requests, for the X-Total header. */
  total: number;
}

/** The project's merge requests, newest first, one page of them. */
export async function listMergeRequests(
  context: LocalForgeContext,
  project: ForgeProject,
  query: MergeRequestQuery,
): Promise<MergeRequestPage> {
  let filtered = context.db
    .selectFrom("merge_requests")
    .where("project_id", "=", project.id);
  if (query.state !== undefined) {
    filtered = filtered.where("state", "=", query.state);
  }

  const counted = await filtered
    .select((eb) => eb.fn.countAll<CountValue>().as("total"))
    .executeTakeFirstOrThrow();
  const rows = await filtered
    .selectAll()
    .orderBy("iid", "desc")
    .limit(query.perPage)
    .offset((query.page - 1) * query.perPage)
    .execute();

  return {
    items: rows.map((row) => toMergeRequest(context, project, row)),
    total: countValue(counted.total),
  };
}

/** One merge request by its project-scoped iid, or undefined. */
export async function getMergeRequest(
  context: LocalForgeContext,
  project: ForgeProject,
  iid: number,
): Promise<MergeRequest | undefined> {
  const row = await context.db
    .selectFrom("merge_requests")
    .selectAll()
    .where("project_id", "=", project.id)
    .where("iid", "=", iid)
    .executeTakeFirst();
  return row && toMergeRequest(context, project, row);
}

/** A stored row in the shape GitLab's merge request API answers. */
export function toMergeRequest(
  context: Pick<LocalForgeContext, "publicUrl">,
  project: Pick<ForgeProject, "path">,
  row: MergeRequestRow,
): MergeRequest {
  const base = context.publicUrl.replace(/\/+$/, "");
  return {
    id: row.id,
    iid: row.iid,
    project_id: row.project_id,
    title: row.title,
    description: row.description,
    source_branch: row.source_branch,
    target_branch: row.target_branch,
    state: toState(row.state),
    draft: row.draft === 1,
    web_url: `${base}/${project.path}/-/merge_requests/${row.iid}`,
    merge_commit_sha: row.merge_commit_sha,
    created_at: row.created_at,
    updated_at: row.updated_at,
    merged_at: row.merged_at,
    labels: JSON.parse(row.labels) as string[],
  };
}

function toState(state: string): MergeRequest["state"] {
  if (state === "opened" || state === "merged" || state === "closed") {
    return state;
  }
  throw new Error(`merge request state ${JSON.stringify(state)} is unknown`);
}

/** The open merge request from `sourceBranch`; there is at most one. */
export async function findOpenMergeRequest(
  context: LocalForgeContext,
  project: ForgeProject,
  sourceBranch: string,
): Promise<MergeRequest | undefined> {
  const row = await context.db
    .selectFrom("merge_requests")
    .selectAll()
    .where("project_id", "=", project.id)
    .where("source_branch", "=", sourceBranch)
    .where("state", "=", "opened")
    .executeTakeFirst();
  return row && toMergeRequest(context, project, row);
}
