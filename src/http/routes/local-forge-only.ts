import { gitlabConfigView } from "../../forges/gitlab/gitlab-project-config.ts";
import type { Project } from "../../projects/project.ts";
import { HttpError } from "../http-error.ts";

// What the refused route serves, as a sentence's subject and the page
// of GitLab's that shows it instead.
const ON_GITLAB = {
  "merge requests": {
    subject: "merge requests are",
    page: "/-/merge_requests",
  },
  repository: { subject: "repository is", page: "" },
};

/**
 * Refuses a request for the local forge's merge requests or files about
 * a project whose repository is on GitLab, saying where to look: Flowgate
 * keeps neither for it, GitLab does.
 */
export function assertLocalForge(
  project: Project,
  what: keyof typeof ON_GITLAB,
): void {
  if (project.forgeType !== "gitlab") return;
  const { base_url: baseUrl } = gitlabConfigView(project.forgeConfig);
  const { subject, page } = ON_GITLAB[what];
  throw new HttpError(
    400,
    `400 Bad request - this project's ${subject} on GitLab: ` +
      `${baseUrl}/${project.path}${page}`,
  );
}
