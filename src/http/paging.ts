import type { FastifyReply } from "fastify";
import { type SelectQueryBuilder, sql } from "kysely";
import { z } from "zod";
import { type CountValue, countValue } from "../store/dialect.ts";
import { HttpError } from "./http-error.ts";

const MAX_PER_PAGE = 100;

const pagingQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  per_page: z.coerce.number().int().min(1).max(MAX_PER_PAGE).default(20),
});

export interface Page {
  page: number;
  perPage: number;
  offset: number;
}

/** `page` and `per_page` as GitLab reads them (per_page at most 100). */
export function readPage(query: unknown): Page {
  const parsed = pagingQuery.safeParse(query);
  if (!parsed.success) {
    throw new HttpError(
      400,
      "400 Bad request - page must be 1 or more and per_page 1 to 100",
      { page: ["must be a positive integer"], per_page: ["must be 1 to 100"] },
    );
  }
  const { page, per_page: perPage } = parsed.data;
  return { page, perPage, offset: (page - 1) * perPage };
}

/** GitLab's paging headers for a list of `total` items. */
export function setPageHeaders(reply: FastifyReply, page: Page, total: number) {
  const totalPages = Math.max(1, Math.ceil(total / page.perPage));
  reply.header("x-total", String(total));
  reply.header("x-total-pages", String(totalPages));
  reply.header("x-page", String(page.page));
  reply.header("x-per-page", String(page.perPage));
  reply.header(
    "x-next-page",
    page.page < totalPages ? String(page.page + 1) : "",
  );
  reply.header("x-prev-page", page.page > 1 ? String(page.page - 1) : "");
}

/** Runs a list query for one page, sets the paging headers, and returns
 * the page's rows. */
export async function fetchPage<DB, TB extends keyof DB, O>(
  reply: FastifyReply,
  query: SelectQueryBuilder<DB, TB, O>,
  page: Page,
): Promise<O[]> {
  const [rows, counted] = await Promise.all([
    query.limit(page.perPage).offset(page.offset).execute(),
    query
      .clearSelect()
      .clearOrderBy()
      .select(sql<CountValue>`count(*)`.as("count"))
      .executeTakeFirst(),
  ]);
  const total = countValue(
    (counted as { count?: CountValue } | undefined)?.count,
  );
  setPageHeaders(reply, page, total);
  return rows;
}
