import { randomBytes } from "node:crypto";
import { hashToken } from "../../crypto/tokens.ts";
import type { Db } from "../../store/database.ts";

const HOUR_MS = 60 * 60 * 1000;
/** How long a dashboard sign-in lasts; the cookie's Max-Age too. */
export const SESSION_LIFETIME_MS = 12 * HOUR_MS;

/** Who signed in to the dashboard. */
export type Principal =
  | { kind: "admin"; name: string }
  | { kind: "gitlab"; name: string; userId: number; token: string };

export interface DashboardSession {
  principal: Principal;
  expiresAt: string;
}

/**
 * Starts a session and returns its id, which only the cookie carries:
 * the table keeps its hash, and a GitLab token sealed. Expired sessions
 * are deleted on the way, since nothing else visits the table.
 */
export async function startSession(
  db: Db,
  principal: Principal,
  seal: (token: string) => string,
  now: Date,
): Promise<{ id: string; expiresAt: string }> {
  await db
    .deleteFrom("dashboard_sessions")
    .where("expires_at", "<=", now.toISOString())
    .execute();

  const id = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS).toISOString();
  await db
    .insertInto("dashboard_sessions")
    .values({
      id_hash: hashToken(id),
      kind: principal.kind,
      principal_name: principal.name,
      principal_id: principal.kind === "gitlab" ? principal.userId : null,
      gitlab_token: principal.kind === "gitlab" ? seal(principal.token) : null,
      created_at: now.toISOString(),
      expires_at: expiresAt,
    })
    .execute();
  return { id, expiresAt };
}

/** The live session of an id, or undefined (unknown or expired). */
export async function findSession(
  db: Db,
  id: string,
  open: (sealed: string) => string,
  now: Date,
): Promise<DashboardSession | undefined> {
  const row = await db
    .selectFrom("dashboard_sessions")
    .selectAll()
    .where("id_hash", "=", hashToken(id))
    .where("expires_at", ">", now.toISOString())
    .executeTakeFirst();
  if (!row) return undefined;

  if (row.kind === "admin") {
    return {
      principal: { kind: "admin", name: row.principal_name },
      expiresAt: row.expires_at,
    };
  }
  if (row.gitlab_token === null || row.principal_id === null) return undefined;
  return {
    principal: {
      kind: "gitlab",
      name: row.principal_name,
      userId: row.principal_id,
      token: open(row.gitlab_token),
    },
    expiresAt: row.expires_at,
  };
}

/** Ends a session: its cookie no longer lets anyone in. */
export async function endSession(db: Db, id: string): Promise<void> {
  await db
    .deleteFrom("dashboard_sessions")
    .where("id_hash", "=", hashToken(id))
    .execute();
}
