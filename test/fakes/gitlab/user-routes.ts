import type { FakeGitLab, FakeGitLabUser } from "./fake-gitlab.ts";

const MEMBER = /^\/api\/v4\/projects\/(\d+)\/members\/all\/(\d+)$/;

/**
 * Who a token is and what a user may do in a project, as GitLab's users
 * and members APIs answer: `GET /user` for the token's own user (the
 * core answers 401 for a token it does not know), and
 * `GET /projects/:id/members/all/:user_id` with the member's access
 * level, inherited ones included. A project the caller cannot see is
 * GitLab's "404 Project Not Found"; a user who is no member there its
 * "404 Not found".
 */
export function addUserRoutes(gitlab: FakeGitLab): void {
  gitlab.route({
    method: "GET",
    pattern: /^\/api\/v4\/user$/,
    handle: ({ user }) => ({
      status: 200,
      body: user && { ...publicFields(user), state: "active" },
    }),
  });

  gitlab.route({
    method: "GET",
    pattern: MEMBER,
    handle: ({ match, user }) => {
      const projectId = Number(match[1]);
      if (user?.access[projectId] === undefined) {
        return { status: 404, body: { message: "404 Project Not Found" } };
      }
      const member = gitlab.users.find((each) => each.id === Number(match[2]));
      const level = member?.access[projectId];
      if (!member || level === undefined) {
        return { status: 404, body: { message: "404 Not found" } };
      }
      return {
        status: 200,
        body: {
          ...publicFields(member),
          state: "active",
          access_level: level,
        },
      };
    },
  });
}

function publicFields(user: FakeGitLabUser) {
  return { id: user.id, username: user.username, name: user.username };
}
