import type { App } from "../../app.ts";
import { hashToken, secretsEqual } from "../../crypto/tokens.ts";
import { readGitLabConfig } from "../../forges/gitlab/gitlab-project-config.ts";
import {
  askGitLabUser,
  GitLabTokenRefusedError,
} from "../gitlab-membership.ts";
import { HttpError } from "../http-error.ts";
import type { Principal } from "./dashboard-sessions.ts";

export const ADMIN_NAME = "Administrator";

/**
 * Who a sign-in token belongs to: the instance admin (compared as
 * hashes, in constant time, as the admin guard does), or a user of a
 * GitLab that a registered project lives on, when that GitLab answers
 * `GET /user` for it. Undefined for a token nobody knows. A GitLab that
 * cannot be asked, when none accepted the token, is a 503: the token
 * may be good.
 */
export async function identifyToken(
  app: App,
  token: string,
): Promise<Principal | undefined> {
  const admin = Buffer.from(hashToken(app.adminToken), "hex");
  if (secretsEqual(Buffer.from(hashToken(token), "hex"), admin)) {
    return { kind: "admin", name: ADMIN_NAME };
  }

  let unreachable: unknown;
  for (const baseUrl of await gitlabBaseUrls(app)) {
    try {
      const user = await askGitLabUser({ baseUrl, token }, app.outbound);
      return {
        kind: "gitlab",
        name: `@${user.username}`,
        userId: user.id,
        token,
      };
    } catch (error) {
      if (error instanceof GitLabTokenRefusedError) continue;
      app.logger.warn(
        { err: error, baseUrl },
        "GitLab could not be asked about a dashboard sign-in token",
      );
      unreachable = error;
    }
  }
  if (unreachable !== undefined) {
    throw new HttpError(
      503,
      "503 Service Unavailable - GitLab could not be reached to check " +
        "the token; retry shortly, or sign in with the instance admin token",
    );
  }
  return undefined;
}

/** Each GitLab that registered projects live on, once. */
async function gitlabBaseUrls(app: App): Promise<string[]> {
  const rows = await app.store.db
    .selectFrom("projects")
    .select("forge_config")
    .where("forge_type", "=", "gitlab")
    .orderBy("id")
    .execute();
  const urls = rows.map(
    (row) => readGitLabConfig(row.forge_config, app.secretBox).baseUrl,
  );
  return [...new Set(urls)];
}
