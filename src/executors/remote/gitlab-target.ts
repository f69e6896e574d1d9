import type { SecretBox } from "../../crypto/secret-box.ts";
import {
  GitLabApi,
  type GitLabApiOptions,
} from "../../forges/gitlab/gitlab-api.ts";
import {
  type GitLabProjectConfig,
  readGitLabConfig,
} from "../../forges/gitlab/gitlab-project-config.ts";
import type { OutboundHttp } from "../../outbound/outbound-http.ts";
import type { Project } from "../../projects/project.ts";
import { FatalJobError } from "../../queue/worker.ts";
import type { RemoteReporting } from "./follow-remote-work.ts";

/** What an executor that works on GitLab needs to reach it. */
export interface GitLabAccess {
  secretBox: SecretBox;
  /** The app's outbound client: GitLab's URL obeys the outbound policy. */
  http: OutboundHttp;
  /** Retry pacing of the GitLab client; tests shorten it. */
  apiOptions?: GitLabApiOptions | undefined;
  /** Tells a ticket that the work waits for a person in GitLab. */
  reporting?: RemoteReporting | undefined;
}

export interface GitLabTarget {
  api: GitLabApi;
  config: GitLabProjectConfig;
}

/**
 * The GitLab project a run works on, with a client holding its token.
 * A project on another forge fails the run at once: no retry moves it
 * to GitLab.
 */
export function gitlabTargetOf(
  project: Project,
  executor: string,
  access: GitLabAccess,
): GitLabTarget {
  if (project.forgeType !== "gitlab") {
    throw new FatalJobError(
      `the ${executor} executor needs a GitLab project: project ` +
        `${project.path} is on the ${project.forgeType} forge; register ` +
        'it with forge.type "gitlab", or choose the "agent" executor on ' +
        "the trigger",
    );
  }
  const config = readGitLabConfig(project.forgeConfig, access.secretBox);
  const api = new GitLabApi(
    { baseUrl: config.baseUrl, token: config.token },
    access.http,
    access.apiOptions,
  );
  return { api, config };
}
